import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../context.ts';
import type { Dialect } from '../../store/database.ts';
import { searchDocument } from '../../store/migrations/002-search-indexes.ts';
import { pageJoin, pageJson, parseRows, type Row } from '../search-page.ts';
import type { IndexedAccount, PageRow } from './memory-index.ts';

/*
 * What the in-memory index reads from the store: accounts as it holds them, the change feed
 * of migration 006, and the rows of a page. The feed's position is SQLite's `seq` or
 * PostgreSQL's snapshot xmin (a transaction id), both as decimal strings.
 */

const raw = (text: string) => sql.raw(text);

interface AccountRecord {
  id: string;
  k: string;
  text: string;
  org: string;
  locked_at: number | null;
  locked_until: number | null;
  disabled: number | boolean;
  shared: number | boolean;
  must_change: number | boolean;
  has_question: number | boolean;
}

function accountsSelect(dialect: Dialect, where: RawBuilder<unknown>, tail: RawBuilder<unknown>) {
  const text = searchDocument(dialect, {
    usernameKey: 'a.username_key',
    emailKey: 'a.email_key',
    name: 'a.name',
    phone: 'a.phone',
    organizationName: 'o.name',
  });
  return sql<AccountRecord>`select a.id, a.username_key as k, ${raw(text)} as text,
      a.organization_id as org, a.locked_at, a.locked_until,
      a.disabled_at is not null as disabled, a.shared, a.must_change_password as must_change,
      a.security_answer_hash is not null as has_question
    from accounts a join organizations o on o.id = a.organization_id ${where} ${tail}`;
}

function indexed(r: AccountRecord): IndexedAccount {
  return {
    id: r.id,
    key: r.k,
    text: r.text,
    organizationId: r.org,
    lockedAt: r.locked_at === null ? null : Number(r.locked_at),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    disabled: Boolean(Number(r.disabled)),
    shared: Boolean(Number(r.shared)),
    mustChangePassword: Boolean(Number(r.must_change)),
    hasQuestion: Boolean(Number(r.has_question)),
  };
}

/** Every account, in username_key order, `chunk` at a time. */
export async function* allAccounts(
  db: Db,
  dialect: Dialect,
  chunk = 5000,
): AsyncGenerator<IndexedAccount[]> {
  const key = raw(dialect === 'sqlite' ? 'a.username_key' : 'a.username_key collate "C"');
  let after: string | null = null;
  for (;;) {
    const where: RawBuilder<unknown> = after === null ? sql`` : sql`where ${key} > ${after}`;
    const { rows }: { rows: AccountRecord[] } = await accountsSelect(
      dialect,
      where,
      sql`order by ${key} limit ${chunk}`,
    ).execute(db);
    if (rows.length === 0) return;
    yield rows.map(indexed);
    after = rows[rows.length - 1]?.k ?? null;
    if (rows.length < chunk) return;
  }
}

/** The accounts of `ids` the store still holds. */
export async function accountsById(
  db: Db,
  dialect: Dialect,
  ids: readonly string[],
): Promise<IndexedAccount[]> {
  const out: IndexedAccount[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const { rows } = await accountsSelect(
      dialect,
      sql`where a.id in (${sql.join(part)})`,
      sql``,
    ).execute(db);
    out.push(...rows.map(indexed));
  }
  return out;
}

/** The feed's position now: what an index built from reads after this has applied. */
export async function feedPosition(db: Db, dialect: Dialect): Promise<string> {
  const { rows } = await (
    dialect === 'sqlite'
      ? // Rows up to pruned_through may be gone: the position is never below it.
        sql<{ p: number | string }>`select max(coalesce((select max(seq) from search_changes), 0),
          (select pruned_through from search_state)) as p`
      : sql<{ p: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as p`
  ).execute(db);
  return String(rows[0]?.p ?? '0');
}

/** Changes after a position, as far as `limit`, and the position they bring the index to. */
export interface FeedRead {
  changes: Array<{ token: string; accountId: string }>;
  /** SQLite: the last seq read; PostgreSQL: the snapshot's xmin. */
  position: string;
  prunedThrough: string;
}

export async function readFeed(
  db: Db,
  dialect: Dialect,
  position: string,
  limit: number,
): Promise<FeedRead> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ seq: number; account_id: string }>`
      select seq, account_id from search_changes where seq > ${Number(position)} order by seq limit ${limit}`.execute(
      db,
    );
    const pruned = await sql<{ p: number }>`select pruned_through as p from search_state`.execute(
      db,
    );
    const last = rows[rows.length - 1];
    return {
      changes: rows.map((r) => ({ token: String(r.seq), accountId: r.account_id })),
      position: last ? String(last.seq) : position,
      prunedThrough: String(pruned.rows[0]?.p ?? 0),
    };
  }
  const { rows } = await sql<{
    changes: Array<[string, string]> | null;
    p: string;
    pruned: string;
  }>`
    select (select json_agg(json_build_array(x.xid::text, x.account_id)) from
        (select xid, account_id from search_changes where xid >= ${position}::xid8 limit ${limit}) x)
        as changes,
      pg_snapshot_xmin(pg_current_snapshot())::text as p,
      (select pruned_through::text from search_state) as pruned`.execute(db);
  const row = rows[0];
  return {
    changes: (row?.changes ?? []).map(([token, accountId]) => ({ token, accountId })),
    position: row?.p ?? position,
    prunedThrough: row?.pruned ?? '0',
  };
}

/** The page's rows from the store, with what the feed holds after `position`. */
export interface PageRead {
  rows: Row[];
  /** SQLite: whether any change follows the position; PostgreSQL: the transactions at or after it. */
  newer: boolean | string[];
  prunedThrough: string;
}

export async function readPage(
  db: Db,
  dialect: Dialect,
  page: readonly PageRow[],
  position: string,
): Promise<PageRead> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ rows: unknown; newer: number; pruned: number }>`
      select (select ${pageJson(dialect)} from
          (select j.value ->> 0 as k, j.value ->> 1 as tier from json_each(${JSON.stringify(
            page.map((r) => [r.key, r.tier]),
          )}) j) p ${pageJoin(dialect)}) as rows,
        exists (select 1 from search_changes where seq > ${Number(position)}) as newer,
        (select pruned_through from search_state) as pruned`.execute(db);
    const row = rows[0];
    return {
      rows: parseRows(row?.rows),
      newer: Boolean(row?.newer),
      prunedThrough: String(row?.pruned ?? 0),
    };
  }
  const { rows } = await sql<{ rows: unknown; newer: string[] | null; pruned: string }>`
    select (select ${pageJson(dialect)} from
        unnest(${page.map((r) => r.key)}::text[], ${page.map((r) => r.tier)}::int[]) as p(k, tier)
        ${pageJoin(dialect)}) as rows,
      (select array_agg(distinct xid::text) from search_changes where xid >= ${position}::xid8)
        as newer,
      (select pruned_through::text from search_state) as pruned`.execute(db);
  const row = rows[0];
  return {
    rows: parseRows(row?.rows),
    newer: row?.newer ?? [],
    prunedThrough: row?.pruned ?? '0',
  };
}

/** Deletes feed rows older than `ageMs` and records how far they went. */
export async function pruneFeed(db: Db, dialect: Dialect, ageMs: number): Promise<void> {
  if (dialect === 'sqlite') {
    await db.transaction().execute(async (trx) => {
      await sql`update search_state set pruned_through = max(pruned_through, coalesce(
          (select max(seq) from search_changes where at < ${Date.now() - ageMs}), 0))`.execute(trx);
      await sql`delete from search_changes
        where seq <= (select pruned_through from search_state)`.execute(trx);
    });
    return;
  }
  await sql`with gone as (delete from search_changes
      where at < clock_timestamp() - make_interval(secs => ${ageMs / 1000}) returning xid)
    update search_state set pruned_through =
      greatest(pruned_through, coalesce((select max(xid) from gone), '0'::xid8))`.execute(db);
}
