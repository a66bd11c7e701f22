import type { ExpressionBuilder } from 'kysely';
import type { Clock } from '../clock.ts';
import type { ServiceContext } from '../context.ts';
import type { Database, Db, RecoveryRequest, RecoveryRequestKind } from '../store/schema.ts';
import { newId } from '../ids.ts';
import { emailKey, identifierDigest, identifierKind, usernameKey } from './accounts.ts';
import { recordAuditBatch } from './audit.ts';
import { withinLimit } from './rate-limits.ts';
import { backlogBelow } from './recovery-backlog.ts';
import {
  REQUESTS_PER_ADDRESS_PER_HOUR,
  requestPasswordReset,
  requestUsernameReminder,
  unknownIdentifierAudit,
} from './recovery.ts';

/** A claimed request is left alone by other dispatchers this long. */
const LEASE_MS = 120_000;
/** A request whose processing failed this many times is given up (and its text forgotten). */
export const MAX_RECOVERY_ATTEMPTS = 5;
/** Processed requests (kind, IP and time only) are kept this long, then deleted. */
const KEEP_PROCESSED_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Requests queued per client address (R43, R46: the address as the trusted proxy gave it). */
export const QUEUED_PER_IP = { limit: 20, windowMs: 15 * 60_000 };
/**
 * Requests queued per identifier typed, whatever it names (R43): twice what the dispatcher acts
 * on, so that it still sees, and audits, a few over its own limit (R9).
 */
export const QUEUED_PER_IDENTIFIER_PER_HOUR = 2 * REQUESTS_PER_ADDRESS_PER_HOUR;
/**
 * The queue's ceiling (R43): past it nothing more is queued until the dispatchers caught up.
 * Far above what they hold in a flood (they settle an unknown identifier in well under a
 * millisecond: bench:flood), it bounds the store, and so how long a real reset can wait.
 */
export const MAX_WAITING_REQUESTS = 20_000;
/** The part of a batch taken from the newest end of the queue (see claimBatch). */
const NEWEST_SHARE = 0.4;

export interface NewRecoveryRequest {
  kind: RecoveryRequestKind;
  identifier: string;
  ip: string | null;
}

/** What became of a request: queued, or left out by a limit (the page says the same, R43). */
export type QueueOutcome = 'queued' | 'queue_full' | 'ip_limit' | 'identifier_limit';

/**
 * Queues a Reset Your Password or Retrieve Forgotten Username request, within the limits per
 * client address, per identifier and on the whole queue, in one transaction (one commit). No
 * account is looked up: the limits count what was typed and who sent it, so the response
 * costs the same whether or not the account exists (R1, R5); the dispatcher does the rest.
 */
export async function queueRecoveryRequest(
  db: Db,
  clock: Clock,
  request: NewRecoveryRequest,
): Promise<QueueOutcome> {
  if (!(await backlogBelow(db, clock, MAX_WAITING_REQUESTS))) return 'queue_full';
  const byIp = `recovery-ip:${request.kind}:${request.ip ?? ''}`;
  const byIdentifier = `recovery-queue:${request.kind}:${identifierDigest(request.identifier)}`;
  return db.transaction().execute(async (trx) => {
    if (!(await withinLimit(trx, clock, byIp, QUEUED_PER_IP.limit, QUEUED_PER_IP.windowMs)))
      return 'ip_limit';
    if (!(await withinLimit(trx, clock, byIdentifier, QUEUED_PER_IDENTIFIER_PER_HOUR, HOUR_MS)))
      return 'identifier_limit';
    await trx
      .insertInto('recovery_requests')
      .values({
        id: newId(),
        kind: request.kind,
        identifier: request.identifier,
        ip: request.ip,
        created_at: clock.now(),
        attempts: 0,
        lease_until: null,
        processed_at: null,
      })
      .execute();
    return 'queued';
  });
}

type Log = (message: string, fields: Record<string, unknown>) => void;

/** Thrown inside the processing transaction when another dispatcher owns the request now. */
class ClaimLost extends Error {}

const due = (now: number) => (eb: ExpressionBuilder<Database, 'recovery_requests'>) =>
  eb.and([
    eb('processed_at', 'is', null),
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
  ]);

/**
 * Takes up to `limit` due requests, newest or oldest first, for this dispatcher until `lease`
 * with one statement. On PostgreSQL rows another dispatcher is claiming are skipped, not
 * waited for, so dispatchers in several processes take disjoint batches side by side.
 */
async function claim(
  ctx: ServiceContext,
  order: 'asc' | 'desc',
  limit: number,
  lease: number,
): Promise<RecoveryRequest[]> {
  const now = ctx.clock.now();
  let batch = ctx.db
    .selectFrom('recovery_requests')
    .select('id')
    .where(due(now))
    .orderBy('created_at', order)
    .limit(limit);
  if (ctx.dialect === 'postgres') batch = batch.forUpdate().skipLocked();
  return (
    ctx.db
      .updateTable('recovery_requests')
      .set((eb) => ({ lease_until: lease, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', batch)
      // Checked again on the row itself: PostgreSQL re-reads a row it had to wait for.
      .where(due(now))
      .returningAll()
      .execute()
  );
}

/**
 * A pass's work: the newest requests — what arrived since the last pass, a real reset among a
 * flood included — and then the oldest, so a backlog cannot hold a fresh request back and no
 * request waits for ever. Arrival decides, never the account.
 */
async function claimBatch(
  ctx: ServiceContext,
  limit: number,
): Promise<{ lease: number; requests: RecoveryRequest[] }> {
  const lease = ctx.clock.now() + LEASE_MS;
  const newest = await claim(ctx, 'desc', Math.ceil(limit * NEWEST_SHARE), lease);
  const oldest = await claim(ctx, 'asc', limit - newest.length, lease);
  const requests = [...newest, ...oldest].sort((a, b) => a.created_at - b.created_at);
  return { lease, requests };
}

/**
 * Marks claimed requests done and forgets what was typed (it may be a password typed into the
 * wrong box, R76). Only the holder of the lease can; answers the ids it marked.
 */
async function finish(trx: Db, clock: Clock, ids: string[], lease: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const done = await trx
    .updateTable('recovery_requests')
    .set({ processed_at: clock.now(), identifier: null, lease_until: null })
    .where('id', 'in', ids)
    .where('processed_at', 'is', null)
    .where('lease_until', '=', lease)
    .returning('id')
    .execute();
  return new Set(done.map((d) => d.id));
}

/** The column and key an identifier is looked up by, or null when it can name no account. */
function lookupOf(
  request: RecoveryRequest,
): { column: 'email_key' | 'username_key'; key: string } | null {
  const identifier = request.identifier ?? '';
  const kind = identifierKind(identifier);
  // Retrieve Forgotten Username takes an address only (as requestUsernameReminder does).
  if (identifier === '' || (request.kind === 'username' && kind !== 'email')) return null;
  return kind === 'email'
    ? { column: 'email_key', key: emailKey(identifier) }
    : { column: 'username_key', key: usernameKey(identifier) };
}

/** The requests whose identifier names at least one account, found with one query. */
async function namingAccounts(db: Db, requests: RecoveryRequest[]): Promise<Set<string>> {
  const lookups = requests.map((r) => ({ id: r.id, lookup: lookupOf(r) }));
  const emails = lookups.flatMap((l) => (l.lookup?.column === 'email_key' ? [l.lookup.key] : []));
  const usernames = lookups.flatMap((l) =>
    l.lookup?.column === 'username_key' ? [l.lookup.key] : [],
  );
  if (emails.length + usernames.length === 0) return new Set();
  const found = await db
    .selectFrom('accounts')
    .select(['email_key', 'username_key'])
    .where((eb) =>
      eb.or([
        ...(emails.length ? [eb('email_key', 'in', emails)] : []),
        ...(usernames.length ? [eb('username_key', 'in', usernames)] : []),
      ]),
    )
    .execute();
  const keys = {
    email_key: new Set(found.map((a) => a.email_key)),
    username_key: new Set(found.map((a) => a.username_key)),
  };
  return new Set(
    lookups.flatMap((l) => (l.lookup && keys[l.lookup.column].has(l.lookup.key) ? [l.id] : [])),
  );
}

/** Runs the domain rules of one claimed request and marks it done, all in one transaction. */
async function processOne(ctx: ServiceContext, request: RecoveryRequest, lease: number) {
  await ctx.db.transaction().execute(async (trx) => {
    // First, so that on PostgreSQL the row stays locked until the work commits.
    if (!(await finish(trx, ctx.clock, [request.id], lease)).size) throw new ClaimLost();
    const identifier = request.identifier ?? '';
    if (request.kind === 'password') await requestPasswordReset(trx, ctx, identifier, request.ip);
    else await requestUsernameReminder(trx, ctx, identifier, request.ip);
  });
}

/**
 * Settles, in one transaction, requests whose identifier names no account: exactly what
 * processOne would do for each (marked done, identifier forgotten, the outcome audited, R9)
 * but for their rate counters, which only ever gate mail to an account. Answers how many.
 */
async function settleUnknown(ctx: ServiceContext, requests: RecoveryRequest[], lease: number) {
  return ctx.db.transaction().execute(async (trx) => {
    const mine = await finish(
      trx,
      ctx.clock,
      requests.map((r) => r.id),
      lease,
    );
    const events = requests
      .filter((r) => mine.has(r.id))
      .map((r) => unknownIdentifierAudit(r.kind, r.ip));
    await recordAuditBatch(trx, ctx.clock, events);
    return mine.size;
  });
}

/**
 * Processes up to `limit` due requests: claims the newest and the oldest with one lease
 * (claimBatch), finds with one query which name an account, does those first — each in its
 * own transaction with its mail, audit events and counters (R81) — and then settles the rest
 * together. So a flood of identifiers that name nobody costs a few statements per batch, and a
 * real reset asked during it goes out in the next pass, not after the flood.
 *
 * Why this order tells a requester nothing. The page never looks the account up (above), so
 * its answer, its timing and the row it stores are the same for every identifier. The order
 * here depends on arrival; whether an account exists changes only the work, which is done
 * after the answer, at the next poll, at a time unrelated to it. What follows can be seen from
 * outside only as mail in a mailbox one holds, and an account's mail goes only to its own
 * address: to learn anything, one would time the reset email of an account of one's own while
 * asking about others, each sample costing one of its three reset emails an hour (policy §4),
 * to measure the few milliseconds another real account adds to a batch — the extra work a real
 * account needs in any order — under the poll interval's second of jitter and the mail relay's.
 * Answers how many requests were processed.
 */
export async function processRecoveryRequests(
  ctx: ServiceContext,
  limit: number,
  log?: Log,
): Promise<number> {
  const { lease, requests } = await claimBatch(ctx, limit);
  if (requests.length === 0) return 0;
  const spent = requests.filter((r) => r.attempts > MAX_RECOVERY_ATTEMPTS);
  if (spent.length) {
    const ids = spent.map((r) => r.id);
    await ctx.db.transaction().execute((trx) => finish(trx, ctx.clock, ids, lease));
    for (const r of spent)
      log?.('recovery request given up', { requestId: r.id, attempts: r.attempts - 1 });
  }
  const live = requests.filter((r) => r.attempts <= MAX_RECOVERY_ATTEMPTS);
  const known = await namingAccounts(ctx.db, live);
  let processed = 0;
  for (const request of live.filter((r) => known.has(r.id))) {
    try {
      await processOne(ctx, request, lease);
      processed += 1;
    } catch (error) {
      if (error instanceof ClaimLost) continue;
      // Left leased: it is tried again when the lease ends.
      log?.('recovery request failed', { requestId: request.id, error: String(error) });
    }
  }
  const unknown = live.filter((r) => !known.has(r.id));
  try {
    if (unknown.length) processed += await settleUnknown(ctx, unknown, lease);
  } catch (error) {
    // Left leased: tried again when the lease ends.
    log?.('recovery requests failed', { requests: unknown.length, error: String(error) });
  }
  return processed + spent.length;
}

/** Deletes processed requests older than a day. */
export async function pruneRecoveryRequests(db: Db, clock: Clock): Promise<void> {
  await db
    .deleteFrom('recovery_requests')
    .where('processed_at', '<', clock.now() - KEEP_PROCESSED_MS)
    .execute();
}
