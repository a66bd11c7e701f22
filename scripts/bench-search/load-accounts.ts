import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { emailKey, usernameKey } from '../../service/domain/accounts.ts';
import { defaultPolicy } from '../../service/domain/policy.ts';
import { newId } from '../../service/ids.ts';
import type { Store } from '../../service/store/database.ts';
import {
  createSearchTriggers,
  dropSearchTriggers,
  rebuildSearchIndex,
} from '../../service/search/index.ts';
import type { Database } from '../../service/store/schema.ts';
import { log } from './format.ts';
import type { Options } from './options.ts';
import type { GeneratedUser, Generator } from './queries.ts';

// Loading: the generator's accounts, organizations, products and holders, without audit events.

/** The generator's product codes and the names the loaded products get. */
export const PRODUCT_NAMES: Record<string, string> = {
  ehr: 'EHR',
  pacs: 'PACS',
  lab: 'Lab',
  pharmacy: 'Pharmacy',
  rostering: 'Rostering',
  payroll: 'Payroll',
  mail: 'Mail',
  intranet: 'Intranet',
};

/** What every batch of one load shares: ids by organization name and product code, and more. */
interface LoadContext {
  orgIds: Map<string, string>;
  productIds: Map<string, string>;
  /** The default policy as JSON, given to every organization. */
  policy: string;
  now: number;
}

/** The accounts row of one generated person (a new id, no password: none signs in). */
export function accountRow(u: GeneratedUser, organizationId: string, now: number) {
  return {
    account: {
      id: newId(),
      organization_id: organizationId,
      username: u.username,
      username_key: usernameKey(u.username),
      email: u.email,
      email_key: emailKey(u.email),
      name: u.name,
      phone: u.phone,
      password_hash: null,
      must_change_password: 0,
      temp_password_expires_at: null,
      security_question: null,
      security_answer_hash: null,
      failed_count: 0,
      locked_until: null,
      locked_at: null,
      disabled_at: null,
      shared: u.shared ? 1 : 0,
      last_sign_in_at: null,
      password_changed_at: null,
      password_changed_how: null,
      password_changed_by: null,
      version: 1,
      created_at: now,
    },
  };
}

async function insertProducts(db: Kysely<Database>): Promise<Map<string, string>> {
  const productIds = new Map<string, string>();
  for (const [code, name] of Object.entries(PRODUCT_NAMES)) {
    const id = newId();
    productIds.set(code, id);
    await db
      .insertInto('products')
      .values({ id, code, name, url: `https://${code}.example/`, display_order: productIds.size })
      .execute();
  }
  return productIds;
}

async function insertOrganizations(
  trx: Kysely<Database>,
  batch: GeneratedUser[],
  { orgIds, policy, now }: LoadContext,
): Promise<void> {
  const newOrgs = [...new Set(batch.map((u) => u.organization))].filter((n) => !orgIds.has(n));
  for (const name of newOrgs) orgIds.set(name, newId());
  for (let i = 0; i < newOrgs.length; i += 500) {
    await trx
      .insertInto('organizations')
      .values(
        newOrgs
          .slice(i, i + 500)
          .map((name) => ({ id: orgIds.get(name) ?? '', name, policy, created_at: now })),
      )
      .execute();
  }
}

/** Writes one batch of people (their organizations first) in one transaction. */
async function writeBatch(
  db: Kysely<Database>,
  batch: GeneratedUser[],
  ids: LoadContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await insertOrganizations(trx, batch, ids);
    const rows = batch.map((u) => accountRow(u, ids.orgIds.get(u.organization) ?? '', ids.now));
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('accounts')
        .values(rows.slice(i, i + 500).map((r) => r.account))
        .execute();
    }
    const links = rows.flatMap((r, i) =>
      (batch[i]?.products ?? []).map((code) => ({
        account_id: r.account.id,
        product_id: ids.productIds.get(code) ?? '',
      })),
    );
    for (let i = 0; i < links.length; i += 2000) {
      await trx
        .insertInto('account_products')
        .values(links.slice(i, i + 2000))
        .execute();
    }
    const holders = rows.flatMap((r, i) =>
      (batch[i]?.holders ?? []).map((h) => ({
        id: newId(),
        account_id: r.account.id,
        name: h.name,
        email: h.email,
        phone: '',
        is_owner: 0,
      })),
    );
    for (let i = 0; i < holders.length; i += 1000) {
      await trx
        .insertInto('holders')
        .values(holders.slice(i, i + 1000))
        .execute();
    }
  });
}

async function writeAccounts(
  store: Store,
  gen: Generator,
  o: Options,
  started: number,
): Promise<void> {
  const db = store.db;
  const now = Date.now();
  const productIds = await insertProducts(db);
  const policy = JSON.stringify(defaultPolicy());
  const ids: LoadContext = { orgIds: new Map(), productIds, policy, now };
  let accounts: GeneratedUser[] = [];
  let done = 0;
  const flush = async () => {
    if (accounts.length === 0) return;
    const batch = accounts;
    accounts = [];
    await writeBatch(db, batch, ids);
    done += batch.length;
    if (done % 100_000 === 0)
      log(`  ${done} accounts (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  };
  for (const u of gen.generateUsers({ n: o.n, seed: o.seed, orgs: o.orgs })) {
    accounts.push(u);
    if (accounts.length >= 20_000) await flush();
  }
  await flush();
}

async function buildSearchIndex(store: Store): Promise<void> {
  const db = store.db;
  if (store.dialect === 'postgres') {
    // One connection, so the session settings hold; the primary key is built after the rows.
    await db.connection().execute(async (conn) => {
      await sql`set maintenance_work_mem = '1GB'`.execute(conn);
      await sql`set work_mem = '256MB'`.execute(conn);
      await sql`set jit = off`.execute(conn);
      await sql`alter table search_grams drop constraint search_grams_pk`.execute(conn);
      await rebuildSearchIndex(conn as Kysely<unknown>, store.dialect);
      await sql`alter table search_grams add constraint search_grams_pk primary key (g, k) include (w)`.execute(
        conn,
      );
      await sql`vacuum analyze`.execute(conn);
    });
  } else {
    await rebuildSearchIndex(db as Kysely<unknown>, store.dialect);
    await sql`analyze`.execute(db);
  }
  await createSearchTriggers(db as Kysely<unknown>, store.dialect);
}

/** Loads the generator's N people into a migrated, empty store and marks it complete with key. */
export async function load(store: Store, gen: Generator, o: Options, key: string): Promise<void> {
  const db = store.db;
  const started = performance.now();
  await dropSearchTriggers(db as Kysely<unknown>, store.dialect);
  if (store.dialect === 'sqlite') {
    await sql`pragma synchronous = off`.execute(db);
    await sql`pragma cache_size = -2000000`.execute(db);
  }
  await writeAccounts(store, gen, o, started);
  const accountsSeconds = (performance.now() - started) / 1000;
  log(`  accounts written in ${accountsSeconds.toFixed(0)} s; building the search index…`);
  const t1 = performance.now();
  await buildSearchIndex(store);
  log(`  search index built in ${((performance.now() - t1) / 1000).toFixed(0)} s`);
  await sql`create table if not exists bench_meta (k text primary key, v text not null)`.execute(
    db,
  );
  const indexSeconds = (performance.now() - t1) / 1000;
  await sql`insert into bench_meta (k, v) values ('complete', ${key}), ('load_seconds', ${String(((performance.now() - started) / 1000).toFixed(1))}), ('accounts_seconds', ${accountsSeconds.toFixed(1)}), ('index_seconds', ${indexSeconds.toFixed(1)})`.execute(
    db,
  );
  if (store.dialect === 'sqlite') {
    await sql`pragma synchronous = normal`.execute(db);
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  }
}
