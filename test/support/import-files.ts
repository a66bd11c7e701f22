import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ServiceContext } from '../../service/context.ts';
import { seedOrganization } from './accounts.ts';

/** The import file's header (SPEC §5), as the service's import and the CLI read it. */
export const IMPORT_HEADER =
  'username,email,name,phone,organization,products,password,security_question,security_answer,shared,holders';

export interface ImportRowValues {
  username: string;
  email: string;
  name: string;
  phone?: string;
  organization: string;
  products: string;
}

/** One data record of an import file. */
export const importRecord = (r: ImportRowValues): string =>
  [r.username, r.email, r.name, r.phone ?? '', r.organization, r.products, '', '', '', 'false', '']
    .map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell))
    .join(',');

/** `n` new hires of `organization`: `hire0001`…, each with EMResource. */
export function newHires(n: number, organization: string, prefix = 'hire'): ImportRowValues[] {
  return Array.from({ length: n }, (_, i) => {
    const username = `${prefix}${String(i + 1).padStart(6, '0')}`;
    return {
      username,
      email: `${username}@clinic.example.org`,
      name: `New Hire ${i + 1}`,
      phone: `+1 555 01${String(i % 100).padStart(2, '0')}`,
      organization,
      products: 'emresource',
    };
  });
}

/** Writes an import file; answers its path. */
export function writeImportFile(path: string, rows: ImportRowValues[]): string {
  writeFileSync(path, `${IMPORT_HEADER}\n${rows.map(importRecord).join('\n')}\n`);
  return path;
}

const GENERATOR = '/work/shared/bench/ldap-peer/gen-users.mjs';

/**
 * The shared benchmark generator's CSV (`gen-users.mjs --format csv`): its header is the import
 * file's; its organizations and products are seeded so every row is one the service takes.
 */
export async function generatedImport(
  ctx: ServiceContext,
  o: { n: number; out: string; seed?: number; orgs?: number },
): Promise<{ organizations: string[]; products: string[] }> {
  await promisify(execFile)(
    process.execPath,
    [
      GENERATOR,
      '--n',
      String(o.n),
      '--seed',
      String(o.seed ?? 42),
      '--format',
      'csv',
      '--orgs',
      String(o.orgs ?? 20),
      '--out',
      o.out,
    ],
    { maxBuffer: 1024 * 1024 },
  );
  const organizations = new Set<string>();
  const products = new Set<string>();
  let header = true;
  for await (const line of createInterface({ input: createReadStream(o.out) })) {
    if (header) {
      if (line !== IMPORT_HEADER) throw new Error(`the generator's header changed: ${line}`);
      header = false;
      continue;
    }
    // The generator quotes nothing in these columns: names and codes hold no comma.
    const cells = line.split(',');
    if (cells[4]) organizations.add(cells[4]);
    for (const code of (cells[5] ?? '').split(';')) if (code) products.add(code);
  }
  for (const name of organizations) await seedOrganization(ctx, name);
  for (const [index, code] of [...products].entries())
    await ctx.db
      .insertInto('products')
      .values({ id: code, code, name: code.toUpperCase(), url: '', display_order: 100 + index })
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  return { organizations: [...organizations], products: [...products] };
}
