import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../store/schema.ts';
import type { Dialect } from '../store/database.ts';
import { searchDocument } from './search-text-sql.ts';
import type { IndexedAccount } from './memory/memory-index.ts';

/*
 * What the in-memory index reads from the store: accounts as it holds them, and the change
 * feed of migration 006. The feed's position is SQLite's `seq` or
 * PostgreSQL's snapshot xmin (a transaction id), both as decimal strings.
 */

const raw = (text: string) => sql.raw(text);

interface AccountRecord {
  id: string;
  k: string;
  text: string;
  username: string;
  email: string;
  name: string;
  phone: string;
  org: string;
  org_name: string;
  locked_at: number | null;
  locked_until: number | null;
  disabled_at: number | null;
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
      a.username, a.email, a.name, a.phone, a.organization_id as org, o.name as org_name,
      a.locked_at, a.locked_until, a.disabled_at, a.shared, a.must_change_password as must_change,
      a.security_answer_hash is not null as has_question
    from accounts a join organizations o on o.id = a.organization_id ${where} ${tail}`;
}

function indexed(r: AccountRecord): IndexedAccount {
  return {
    id: r.id,
    key: r.k,
    text: r.text,
    username: r.username,
    email: r.email,
    name: r.name,
    phone: r.phone,
    organizationId: r.org,
    organizationName: r.org_name,
    lockedAt: r.locked_at === null ? null : Number(r.locked_at),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
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
      ? sql<{ p: number | string }>`select coalesce(max(seq), 0) as p from search_changes`
      : sql<{ p: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as p`
  ).execute(db);
  return String(rows[0]?.p ?? '0');
}

/** Changes after a position, as far as `limit`, and the position they bring the index to. */
export interface FeedRead {
  changes: Array<{ token: string; accountId: string }>;
  /** SQLite: the last seq read; PostgreSQL: the snapshot's xmin. */
  position: string;
  /** Whether `reader` is registered: if not, rows it had not read may have been deleted. */
  registered: boolean;
}

export async function readFeed(
  db: Db,
  dialect: Dialect,
  reader: string,
  position: string,
  limit: number,
): Promise<FeedRead> {
  if (dialect === 'sqlite') {
    return db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ seq: number; account_id: string }>`
        select seq, account_id from search_changes where seq > ${Number(position)}
        order by seq limit ${limit}`.execute(trx);
      const known = await sql<{ n: number }>`select count(*) as n from search_readers
        where id = ${reader}`.execute(trx);
      const last = rows[rows.length - 1];
      return {
        changes: rows.map((r) => ({ token: String(r.seq), accountId: r.account_id })),
        position: last ? String(last.seq) : position,
        registered: Number(known.rows[0]?.n ?? 0) > 0,
      };
    });
  }
  const { rows } = await sql<{
    changes: Array<[string, string]> | null;
    p: string;
    known: boolean;
  }>`
    select (select json_agg(json_build_array(x.xid::text, x.account_id)) from
        (select xid, account_id from search_changes where xid >= ${position}::xid8 limit ${limit}) x)
        as changes,
      pg_snapshot_xmin(pg_current_snapshot())::text as p,
      exists (select 1 from search_readers where id = ${reader}) as known`.execute(db);
  const row = rows[0];
  return {
    changes: (row?.changes ?? []).map(([token, accountId]) => ({ token, accountId })),
    position: row?.p ?? position,
    registered: Boolean(row?.known),
  };
}

/** Records (or first registers) a reader's position; rows before it may then go. */
export async function registerReader(
  db: Db,
  dialect: Dialect,
  reader: string,
  position: string,
): Promise<void> {
  await (
    dialect === 'sqlite'
      ? sql`insert into search_readers (id, position, seen_at)
        values (${reader}, ${Number(position)}, cast(strftime('%s', 'now') as integer) * 1000)
        on conflict (id) do update set position = excluded.position, seen_at = excluded.seen_at`
      : sql`insert into search_readers (id, position, seen_at)
        values (${reader}, ${position}::xid8, clock_timestamp())
        on conflict (id) do update set position = excluded.position, seen_at = excluded.seen_at`
  ).execute(db);
}

export async function unregisterReader(db: Db, reader: string): Promise<void> {
  await sql`delete from search_readers where id = ${reader}`.execute(db);
}

/** What the feed holds after `position`: whether an index there is still the store's state. */
export interface FeedState {
  /** SQLite: whether any change follows the position; PostgreSQL: the transactions at or after it. */
  newer: boolean | string[];
  registered: boolean;
}

/** Whether an index at `position` is still the store's state: one statement. */
export async function readFeedState(
  db: Db,
  dialect: Dialect,
  reader: string,
  position: string,
): Promise<FeedState> {
  const known = sql<boolean | number>`exists (select 1 from search_readers where id = ${reader})`;
  const newer: RawBuilder<number | string[] | null> =
    dialect === 'sqlite'
      ? sql<number>`exists (select 1 from search_changes where seq > ${Number(position)})`
      : sql<string[] | null>`(select array_agg(distinct xid::text) from search_changes
          where xid >= ${position}::xid8)`;
  const row = await db
    .selectNoFrom([newer.as('feed_newer'), known.as('feed_known')])
    .executeTakeFirst();
  const found = row?.feed_newer;
  return {
    newer: Array.isArray(found) ? found.map(String) : typeof found === 'number' ? found !== 0 : [],
    registered: Boolean(row?.feed_known),
  };
}

/**
 * Strikes off readers not seen for `staleMs`, then deletes the feed rows every remaining
 * reader has passed (all of them when none remains: a reader back later must rebuild).
 */
export async function pruneFeed(db: Db, dialect: Dialect, staleMs: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (dialect === 'sqlite') {
      await sql`delete from search_readers
        where seen_at < cast(strftime('%s', 'now') as integer) * 1000 - ${staleMs}`.execute(trx);
      await sql`delete from search_changes where seq <= coalesce(
          (select min(position) from search_readers), (select max(seq) from search_changes))`.execute(
        trx,
      );
      return;
    }
    await sql`delete from search_readers
      where seen_at < clock_timestamp() - make_interval(secs => ${staleMs / 1000})`.execute(trx);
    await sql`delete from search_changes where xid < coalesce(
        (select min(position) from search_readers), pg_snapshot_xmin(pg_current_snapshot()))`.execute(
      trx,
    );
  });
}
