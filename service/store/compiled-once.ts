import type { CompiledQuery } from 'kysely';

/*
 * Statements Kysely compiles once and runs many times with new values. Kysely builds and
 * compiles a statement on every call; for the token lookup every API request makes, that was
 * about a tenth of a search's CPU (profile of bench:search). Build the statement with
 * `placeholder(name)` wherever a varying value goes, compile it once, and run
 * `withValues(compiled, values)`. A builder must pass a placeholder through untouched.
 */

class Placeholder {
  constructor(readonly name: string) {}
}

/** Stands for the value named `name`, typed as that value so builders accept it. */
export function placeholder<T>(name: string): T {
  return new Placeholder(name) as unknown as T;
}

/** The compiled statement with every placeholder replaced by its value. */
export function withValues<R>(
  query: CompiledQuery<R>,
  values: Readonly<Record<string, unknown>>,
): CompiledQuery<R> {
  const parameters = query.parameters.map((p) => {
    if (!(p instanceof Placeholder)) return p;
    if (!(p.name in values)) throw new Error(`compiled statement: no value for ${p.name}`);
    return values[p.name];
  });
  return { ...query, parameters };
}
