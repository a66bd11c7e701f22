import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { defaultPolicy } from '../../service/domain/policy.ts';
import { newId } from '../../service/ids.ts';
import {
  createSearchTriggers,
  dropSearchTriggers,
  rebuildSearchIndex,
} from '../../service/search/index.ts';
import type { startTestService } from '../../test/support/service.ts';
import { accountRow } from '../bench-search/load-accounts.ts';
import type { GeneratedUser } from '../bench-search/queries.ts';
import { log } from './log.ts';

// The accounts the renderer benchmark searches: the peer benchmark's generator (gen-users.mjs),
// written straight into the store, and the queries a caller might give for them.

interface Rng {
  int(n: number): number;
  pick<T>(list: T[]): T;
}
interface Generator {
  generateUsers(o: { n: number; seed: number; orgs: number }): Iterable<GeneratedUser>;
  makeRng(seed: string): Rng;
}

export type Service = Awaited<ReturnType<typeof startTestService>>;

const ORGS = 500;

/** A fragment a caller might give: a username's start, an email's middle, a name, a phone's digits. */
function fragment(u: GeneratedUser, rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return u.username.slice(0, 3 + rng.int(4));
    case 1: {
      const local = u.email.split('@')[0] ?? u.email;
      const at = rng.int(Math.max(1, local.length - 4));
      return local.slice(at, at + 4 + rng.int(3));
    }
    case 2:
      return u.name.slice(0, Math.min(u.name.length, 6 + rng.int(6)));
    case 3:
      return u.phone.replace(/\D/g, '').slice(-6, -6 + 4 + rng.int(3) || undefined);
    default:
      return u.organization.split(' ').slice(0, 2).join(' ');
  }
}

/**
 * Writes the accounts straight into the store (the CSV import checks and hashes row by row and
 * takes many minutes for 100,000), then builds the search index the way migration 002 does.
 */
async function insertAccounts(svc: Service, users: GeneratedUser[]): Promise<void> {
  const { db, dialect } = svc.ctx;
  const now = Date.now();
  const policy = JSON.stringify(defaultPolicy());
  await dropSearchTriggers(db as unknown as Kysely<unknown>, dialect);
  // A throwaway store: no fsync while loading.
  if (dialect === 'sqlite') await sql`pragma synchronous = off`.execute(db);
  const orgIds = new Map([...new Set(users.map((u) => u.organization))].map((n) => [n, newId()]));
  const codes = [...new Set(users.flatMap((u) => u.products))];
  await db
    .insertInto('products')
    .values(
      codes.map((code, index) => ({
        id: code,
        code,
        name: code.toUpperCase(),
        url: `https://${code}.example.org/`,
        display_order: index + 1,
      })),
    )
    .execute();
  for (const chunk of chunks([...orgIds], 500))
    await db
      .insertInto('organizations')
      .values(chunk.map(([name, id]) => ({ id, name, policy, created_at: now })))
      .execute();
  for (const batch of chunks(users, 10_000)) {
    await db.transaction().execute(async (trx) => {
      const rows = batch.map((u) => ({
        u,
        row: accountRow(u, orgIds.get(u.organization) ?? '', now).account,
      }));
      for (const chunk of chunks(rows, 500))
        await trx
          .insertInto('accounts')
          .values(chunk.map((r) => r.row))
          .execute();
      const links = rows.flatMap(({ u, row }) =>
        u.products.map((code) => ({ account_id: row.id, product_id: code })),
      );
      for (const chunk of chunks(links, 2_000))
        await trx.insertInto('account_products').values(chunk).execute();
    });
  }
  const indexing = performance.now();
  await rebuildSearchIndex(db as unknown as Kysely<unknown>, dialect);
  await createSearchTriggers(db as unknown as Kysely<unknown>, dialect);
  // PostgreSQL: as autovacuum leaves a loaded table (visibility map set, so the gram lists are
  // read from the index alone), as scripts/bench-search does.
  if (dialect === 'postgres')
    await sql`vacuum analyze search_grams, accounts, organizations, account_products`.execute(db);
  else await sql`analyze`.execute(db);
  if (dialect === 'sqlite') await sql`pragma synchronous = normal`.execute(db);
  log(`  search index built in ${((performance.now() - indexing) / 1000).toFixed(1)} s`);
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** `n` accounts of the peer benchmark's generator; answers `queries` distinct queries. */
export async function loadAccounts(svc: Service, n: number, count: number): Promise<string[]> {
  const gen = (await import(
    pathToFileURL(path.resolve('scripts/gen-users.mjs')).href
  )) as Generator;
  const users = [...gen.generateUsers({ n, seed: 42, orgs: ORGS })];
  const started = performance.now();
  await insertAccounts(svc, users);
  log(`loaded ${users.length} accounts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const rng = gen.makeRng('bench-renderer');
  const queries = new Set<string>();
  while (queries.size < count) {
    const q = fragment(rng.pick(users), rng).trim();
    if (q.length >= 3) queries.add(q);
  }
  return [...queries];
}
