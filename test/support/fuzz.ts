import fc from 'fast-check';

/**
 * Property-based input for the boundary tests (issue 13): adversarial strings and JSON values,
 * and mutations of a valid example, so most runs get past the first check and reach the code
 * behind it. Every property is seeded (FUZZ_SEED) so a failure replays exactly.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261207);

/** fast-check's options for a property of this suite: fixed seed, bounded runs. */
export const fuzzOptions = (numRuns: number) => ({
  seed: FUZZ_SEED,
  numRuns,
  // One failure is enough to report; shrinking over a live service would take minutes.
  endOnFailure: true,
});

const CONTROL = ['\0', '\r', '\n', '\r\n', '\t', '\b', '\x1b', '\x7f', '\u0085'];
const UNICODE = ['\u2028', '\u2029', '\u202e', '\ufeff', '\u200b', 'İ', 'ß', 'ﬁ', 'e\u0301'];
const TRICKY = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  "' OR '1'='1' --",
  '"; drop table accounts; --',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '%00%0d%0a',
  '../../etc/passwd',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '9007199254740993',
  'null',
  'true',
  '[]',
  '{}',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧‍👦',
  '\ud800',
  'a\udfffb',
];

/** One character a valid value should not hold; NUL most often (PostgreSQL's text refuses it). */
const oddCharacter = fc.oneof(
  { weight: 2, arbitrary: fc.constant('\0') },
  { weight: 3, arbitrary: fc.constantFrom(...CONTROL, ...UNICODE) },
);

/** Strings an attacker or a broken client sends: control characters, odd unicode, huge, numeric. */
export const adversarialString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TRICKY, ...CONTROL, ...UNICODE),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...CONTROL, ...UNICODE, 'a', ' ', '@'), maxLength: 20 }),
  fc.string({
    unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    maxLength: 4,
  }),
  // Huge, but within the 64 KiB body limit with the rest of a request.
  fc
    .tuple(fc.constantFrom(101, 201, 257, 321, 1025, 4097, 40_000), fc.constantFrom('x', 'é', '\0'))
    .map(([n, c]) => c.repeat(c === 'x' ? n : Math.min(n, 12_000))),
  fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String),
);

/** Keys that try to reach an object's prototype, or names a handler might trust. */
export const trickyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    'password',
    'role',
    'isAdmin',
    'organizationId',
  ),
  fc.string({ maxLength: 12 }),
);

/** An object with the given entries as own enumerable properties, `__proto__` included. */
export function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries)
    Object.defineProperty(object, key, { value, enumerable: true, writable: true });
  return object;
}

/** Any JSON value, skewed towards the ones a schema must refuse: wrong types, nesting, arrays. */
export const adversarialValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    adversarialString,
    fc.integer(),
    fc.constantFrom(0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc
      .array(fc.tuple(trickyKey, tie('value')), { maxLength: 3 })
      .map((entries) => objectOf(entries)),
    fc.integer({ min: 50, max: 400 }).map((depth) => nested(depth)),
  ),
})).value;

function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { a: value };
  return value;
}

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])]);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      [...prefix, k],
      ...pathsOf(v, [...prefix, k]),
    ]);
  return [];
}

function objectPathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPathsOf(v, [...prefix, i]));
  if (value && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => objectPathsOf(v, [...prefix, k]))];
  return [];
}

function valueAt(value: unknown, path: Path): unknown {
  let at: unknown = value;
  for (const key of path) at = (at as Record<string | number, unknown>)[key];
  return at;
}

/** A deep copy of `value` with `change` applied to the container at `path` (the last key). */
function edit(value: unknown, path: Path, change: (parent: object, key: string | number) => void) {
  const copy = structuredClone(value);
  let parent: unknown = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
  const last = path[path.length - 1];
  if (parent && typeof parent === 'object' && last !== undefined) change(parent, last);
  return copy;
}

/**
 * A valid example as is, or with one thing wrong: a value replaced (at any depth), a field left
 * out, a field added (prototype keys included), or the whole of it replaced by something else.
 */
export function mutationsOf(example: object): fc.Arbitrary<unknown> {
  const paths = pathsOf(example);
  const objects = objectPathsOf(example);
  const options: Array<fc.Arbitrary<unknown>> = [fc.constant(example), adversarialValue];
  if (paths.length) {
    options.push(
      fc
        .tuple(fc.constantFrom(...paths), adversarialValue)
        .map(([path, v]) =>
          edit(example, path, (parent, key) =>
            Object.defineProperty(parent, key, { value: v, enumerable: true, writable: true }),
          ),
        ),
      fc.tuple(fc.constantFrom(...paths), adversarialValue).map(([path, v]) =>
        edit(example, path, (parent, key) => {
          (parent as Record<string | number, unknown>)[key] = v;
        }),
      ),
      fc.constantFrom(...paths).map((path) =>
        edit(example, path, (parent, key) => {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete (parent as Record<string | number, unknown>)[key];
        }),
      ),
    );
  }
  const strings = paths.filter((path) => typeof valueAt(example, path) === 'string');
  if (strings.length) {
    // A valid value with one odd character in it: it passes the type checks and goes deeper.
    options.push(
      fc.tuple(fc.constantFrom(...strings), oddCharacter, fc.nat()).map(([path, c, at]) =>
        edit(example, path, (parent, key) => {
          const record = parent as Record<string | number, string>;
          const value = record[key] ?? '';
          const i = at % (value.length + 1);
          record[key] = value.slice(0, i) + c + value.slice(i);
        }),
      ),
    );
  }
  if (objects.length) {
    options.push(
      fc.tuple(fc.constantFrom(...objects), trickyKey, adversarialValue).map(([path, k, v]) => {
        const copy = structuredClone(example);
        let target: unknown = copy;
        for (const key of path) target = (target as Record<string | number, unknown>)[key];
        Object.defineProperty(target, k, { value: v, enumerable: true, writable: true });
        return copy;
      }),
    );
  }
  return fc.oneof(...options);
}

/** A query string's values: strings, or repeated keys (arrays). */
export type QueryValues = Record<string, string | string[]>;

const queryValue: fc.Arbitrary<string | string[]> = fc.oneof(
  { weight: 4, arbitrary: adversarialString },
  { weight: 1, arbitrary: fc.array(adversarialString, { minLength: 2, maxLength: 3 }) },
);

/** Raw query text no encoder produces: broken escapes, overlong UTF-8, bracket keys. */
const RAW_QUERY_TAILS = [
  'q=%zz',
  'q=%',
  'q=%C0%80',
  'q=%FF%FE',
  'q=%00',
  'limit=%00',
  'filter[]=locked',
  'a[b][c]=1',
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  '=&&=',
  'limit=1&limit=2',
];

/** The longest query string the properties send (the request line's limit is the server's). */
export const MAX_QUERY_LENGTH = 8 * 1024;

/** A query as text: a valid example, mutated, sometimes with a raw tail appended. */
export function queryMutationsOf(example: QueryValues): fc.Arbitrary<string> {
  const keys = Object.keys(example);
  const changed: fc.Arbitrary<QueryValues> = fc.oneof(
    fc.constant(example),
    fc
      .tuple(fc.constantFrom(...keys), queryValue)
      .map(([key, value]) => ({ ...example, [key]: value })),
    fc.constantFrom(...keys).map((key) => {
      const copy = { ...example };
      delete copy[key];
      return copy;
    }),
    fc.tuple(trickyKey, queryValue).map(([key, value]) => ({ ...example, [key]: value })),
    fc
      .tuple(fc.constantFrom(...keys), oddCharacter)
      .map(([key, c]) => ({ ...example, [key]: `${String(example[key])}${c}` })),
  );
  return (
    fc
      .tuple(changed, fc.option(fc.constantFrom(...RAW_QUERY_TAILS), { freq: 4 }))
      .map(([values, tail]) => {
        const search = new URLSearchParams();
        for (const [key, value] of Object.entries(values))
          for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
        return [search.toString(), tail].filter(Boolean).join('&');
      })
      // Node refuses a request line over 16 KB before the service sees it: tested on its own.
      .filter((query) => query.length <= MAX_QUERY_LENGTH)
  );
}

/** Header values a client may send (printable ASCII: fetch refuses anything else). */
export const adversarialHeader: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '"v99999999999999999999999"',
    '"v1e3"',
    '"v-1"',
    '"v0"',
    'W/"v1"',
    '*',
    '"v1", "v2"',
    '"p-"',
    'null',
    'x'.repeat(8000),
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
);

/** Replaces lone surrogates, which no encoder can put in a URL. */
export const wellFormed = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/**
 * What must never reach a client: a stack trace, a source path, a framework or driver error
 * code, a database's own message.
 */
const LEAKS =
  /\n\s+at \S|\bat \S+ \(|\.ts:\d+|node_modules|FST_[A-Z_]+|ERR_[A-Z_]+|SQLITE_|SqliteError|invalid input syntax|invalid byte sequence|violates|TypeError|ReferenceError|RangeError|Cannot read propert/;

/** The first leak found in a response's text, if any. */
export function leakIn(text: string): string | undefined {
  return LEAKS.exec(text)?.[0];
}

/**
 * True when a JSON body would be refused by the framework's parser before any schema sees it
 * (`__proto__`, or `constructor.prototype`): those refusals have tests of their own.
 */
export function poisonsPrototype(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  const record = value as Record<string, unknown>;
  const ctor = Object.prototype.hasOwnProperty.call(value, 'constructor')
    ? record.constructor
    : undefined;
  if (ctor && typeof ctor === 'object' && Object.prototype.hasOwnProperty.call(ctor, 'prototype'))
    return true;
  return Object.values(record).some(poisonsPrototype);
}

/** Describes a generated request for a failure message (long values cut short). */
export function describeInput(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v,
  );
  return (text ?? String(value)).slice(0, 600);
}
