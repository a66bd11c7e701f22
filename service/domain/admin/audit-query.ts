import { PostgresAdapter, sql, type ExpressionBuilder } from 'kysely';
import type { AuditQuery } from '../../../common/api/audit.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { DomainError, notFound } from '../domain-error.ts';
import type { AuditEventTable, Database, Db } from '../../store/schema.ts';
import { usernameKey } from '../accounts.ts';

/** The filters of the audit query and of its CSV export. */
export type AuditFilters = Omit<AuditQuery, 'cursor' | 'limit'>;

export interface AuditEventView {
  id: string;
  seq: number;
  at: number;
  type: string;
  accountId: string | null;
  organizationId: string | null;
  actor: string;
  ip: string | null;
  detail: Record<string, unknown>;
  hash: string;
  actorUsername: string | null;
  accountUsername: string | null;
  organizationName: string | null;
}

export interface AuditPage {
  items: AuditEventView[];
  nextCursor: string | null;
}

/**
 * The organizations whose events the administrator may read (`read_audit` there); null means
 * every event (a super-administrator). Refuses an administrator who may read none.
 */
export function auditScope(admin: AdminIdentity): string[] | null {
  if (admin.grants.some((g) => g.role === 'super_admin' && g.permissions.includes('read_audit')))
    return null;
  const orgs = admin.grants.flatMap((g) =>
    g.organizationId !== null && g.permissions.includes('read_audit') ? [g.organizationId] : [],
  );
  if (orgs.length === 0)
    throw new DomainError('forbidden', 'Your role does not allow reading the audit log.');
  return [...new Set(orgs)];
}

/** Filters resolved to column values: usernames turned into account ids, scope applied. */
interface Resolved {
  /** null: no organization restriction (a super-administrator without that filter). */
  organizations: string[] | null;
  actors: string[] | null;
  accounts: string[] | null;
  type: string | undefined;
  postgres: boolean;
  from: number | undefined;
  to: number | undefined;
}

/** A filter value that is an account id, or a username (any case), or `self` / `system`. */
async function accountIdsFor(db: Db, value: string): Promise<string[]> {
  const byName = await db
    .selectFrom('accounts')
    .select('id')
    .where('username_key', '=', usernameKey(value))
    .executeTakeFirst();
  return byName && byName.id !== value ? [value, byName.id] : [value];
}

async function resolve(db: Db, admin: AdminIdentity, filters: AuditFilters): Promise<Resolved> {
  const scope = auditScope(admin);
  let organizations = scope;
  if (filters.organization !== undefined) {
    if (scope !== null && !scope.includes(filters.organization)) throw notFound('organization');
    organizations = [filters.organization];
  }
  return {
    organizations,
    actors: filters.actor !== undefined ? await accountIdsFor(db, filters.actor) : null,
    accounts: filters.account !== undefined ? await accountIdsFor(db, filters.account) : null,
    type: filters.type,
    postgres: db.getExecutor().adapter instanceof PostgresAdapter,
    from: filters.from,
    to: filters.to,
  };
}

type AuditEb = ExpressionBuilder<Database, 'audit_events'>;

/**
 * The events of a scoped query come from two parts: those naming one of the organizations, and
 * (mail and token events name only the account) those naming none whose account belongs there.
 * Each part is read as an ordered range of its own index ((organization_id, seq)) only as far
 * as a page needs; one OR over both made SQLite read and sort all of an organization's events
 * for every page.
 */
type Part = 'all' | 'named' | 'via-account';

const partsOf = (r: Resolved): Part[] =>
  r.organizations === null ? ['all'] : ['named', 'via-account'];

function scopeTerm(eb: AuditEb, orgs: string[], part: Part) {
  if (part === 'named') return eb('audit_events.organization_id', 'in', orgs);
  return eb.and([
    eb('audit_events.organization_id', 'is', null),
    eb(
      'audit_events.account_id',
      'in',
      eb.selectFrom('accounts').select('accounts.id').where('accounts.organization_id', 'in', orgs),
    ),
  ]);
}

/** The WHERE clause of one part of a query: scope and filters, events before `beforeSeq`. */
function where(r: Resolved, beforeSeq: number | undefined, part: Part) {
  return (eb: AuditEb) => {
    const terms = [eb('audit_events.seq', 'is not', null)];
    if (beforeSeq !== undefined) terms.push(eb('audit_events.seq', '<', beforeSeq));
    if (r.organizations !== null && part !== 'all')
      terms.push(scopeTerm(eb, r.organizations, part));
    if (r.actors) terms.push(eb('audit_events.actor', 'in', r.actors));
    if (r.accounts) terms.push(eb('audit_events.account_id', 'in', r.accounts));
    if (r.type !== undefined) {
      // An event type (snake_case), or an administrator's action (kebab-case, e.g. `unlock`).
      const action = r.postgres
        ? sql<string>`(audit_events.detail::json ->> 'action')`
        : sql<string>`json_extract(audit_events.detail, '$.action')`;
      terms.push(
        eb.or([
          eb('audit_events.type', '=', r.type),
          eb.and([eb('audit_events.type', '=', 'admin_action'), eb(action, '=', r.type)]),
        ]),
      );
    }
    if (r.from !== undefined) terms.push(eb('audit_events.at', '>=', r.from));
    if (r.to !== undefined) terms.push(eb('audit_events.at', '<', r.to));
    return eb.and(terms);
  };
}

type Where = ReturnType<typeof where>;

/** The newest `limit` events before `beforeSeq`: each part read by `read`, merged by seq. */
async function newest<T extends { seq: number }>(
  r: Resolved,
  beforeSeq: number | undefined,
  limit: number,
  read: (clause: Where) => Promise<T[]>,
): Promise<T[]> {
  const parts: T[][] = [];
  for (const part of partsOf(r)) parts.push(await read(where(r, beforeSeq, part)));
  if (parts.length === 1) return parts[0] ?? [];
  return parts
    .flat()
    .sort((a, b) => Number(b.seq) - Number(a.seq))
    .slice(0, limit);
}

const CURSOR_PREFIX = 'seq:';

/** The opaque cursor of a page: the seq of its last (oldest) event. */
export const encodeCursor = (seq: number): string =>
  Buffer.from(`${CURSOR_PREFIX}${seq}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new DomainError(
      'validation_failed',
      'cursor: not a cursor this service gave out; start again from the first page.',
      'cursor',
    );
  return seq;
}

/** An event row with the names its ids stand for (null when the row names none or it is gone). */
type NamedRow = AuditEventTable & {
  actor_username: string | null;
  account_username: string | null;
  organization_name: string | null;
};

const toView = (row: NamedRow): AuditEventView => ({
  id: row.id,
  seq: row.seq,
  at: row.at,
  type: row.type,
  accountId: row.account_id,
  organizationId: row.organization_id,
  actor: row.actor,
  ip: row.ip,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
  hash: row.hash,
  actorUsername: row.actor_username,
  accountUsername: row.account_username,
  organizationName: row.organization_name,
});

/** The events table with the usernames and organization name its ids stand for. */
const namedEvents = (db: Db) =>
  db
    .selectFrom('audit_events')
    .leftJoin('accounts as actor_account', 'actor_account.id', 'audit_events.actor')
    .leftJoin('accounts as subject', 'subject.id', 'audit_events.account_id')
    .leftJoin('organizations', 'organizations.id', 'audit_events.organization_id')
    .selectAll('audit_events')
    .select([
      'actor_account.username as actor_username',
      'subject.username as account_username',
      'organizations.name as organization_name',
    ]);

/**
 * One page of audit events, newest first: the administrator's organizations only, keyset-paginated
 * by `seq` (a cursor names the last event seen; later events never shift the pages).
 */
export async function queryAudit(
  db: Db,
  admin: AdminIdentity,
  query: AuditQuery,
): Promise<AuditPage> {
  const before = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
  const resolved = await resolve(db, admin, query);
  const rows = await newest(resolved, before, query.limit + 1, (clause) =>
    namedEvents(db)
      .where(clause)
      .orderBy('audit_events.seq', 'desc')
      .limit(query.limit + 1)
      .execute(),
  );
  const items = rows.slice(0, query.limit).map(toView);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null,
  };
}

/** True when the event at `seq` exists and is one the administrator may read (their organizations). */
export async function canReadEvent(db: Db, admin: AdminIdentity, seq: number): Promise<boolean> {
  const resolved = await resolve(db, admin, {});
  const rows = await newest(resolved, seq + 1, 1, (clause) =>
    db
      .selectFrom('audit_events')
      .select('audit_events.seq')
      .where(clause)
      .where('audit_events.seq', '=', seq)
      .execute(),
  );
  return rows.length > 0;
}

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'time',
  'type',
  'action',
  'actor',
  'actor_username',
  'account_id',
  'account_username',
  'organization_id',
  'organization',
  'ip',
  'detail',
  'prev_hash',
  'hash',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma, line break or edge space, quotes
 * doubled. A text that a spreadsheet would run as a formula (= + - @ tab CR first) is prefixed
 * with `'` (OWASP CSV injection), so a username typed at sign-in cannot become a formula.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: Array<string | number | null>): string =>
  `${fields.map(csvField).join(',')}\r\n`;

function actionOf(detail: string): string | null {
  try {
    const action = (JSON.parse(detail) as { action?: unknown }).action;
    return typeof action === 'string' ? action : null;
  } catch {
    return null;
  }
}

/** Events fetched per query while exporting: memory stays flat however long the log. */
export const EXPORT_PAGE_SIZE = 500;

/**
 * Prepares a CSV export: scope and filters are checked now (so a refusal is an ordinary error
 * answer), then the returned generator reads the log newest first in keyset pages and yields
 * one chunk of CSV per page, pulled only as fast as the client reads.
 */
export async function auditCsvExport(
  db: Db,
  admin: AdminIdentity,
  filters: AuditFilters,
  pageSize = EXPORT_PAGE_SIZE,
): Promise<AsyncGenerator<string>> {
  const resolved = await resolve(db, admin, filters);
  async function* rows(): AsyncGenerator<string> {
    // A BOM, so a spreadsheet opens the UTF-8 file with the right characters.
    yield `\uFEFF${csvLine([...AUDIT_CSV_COLUMNS])}`;
    let before: number | undefined;
    for (;;) {
      const page = await newest(resolved, before, pageSize, (clause) =>
        namedEvents(db).where(clause).orderBy('audit_events.seq', 'desc').limit(pageSize).execute(),
      );
      if (page.length > 0) {
        yield page
          .map((e) =>
            csvLine([
              e.seq,
              new Date(e.at).toISOString(),
              e.type,
              actionOf(e.detail),
              e.actor,
              e.actor_username,
              e.account_id,
              e.account_username,
              e.organization_id,
              e.organization_name,
              e.ip,
              e.detail,
              e.prev_hash,
              e.hash,
            ]),
          )
          .join('');
      }
      const last = page.at(-1);
      if (page.length < pageSize || !last) return;
      before = last.seq;
    }
  }
  return rows();
}
