import type { Clock } from '../clock.ts';
import type { Db, ServiceContext } from '../context.ts';
import { newId } from '../ids.ts';
import type { RecoveryRequest, RecoveryRequestKind } from '../store/schema.ts';
import { requestPasswordReset, requestUsernameReminder } from './recovery.ts';

/** A claimed request is left alone by other dispatchers this long. */
const LEASE_MS = 120_000;
/** A request whose processing failed this many times is given up (and its text forgotten). */
export const MAX_RECOVERY_ATTEMPTS = 5;
/** Processed requests (kind, IP and time only) are kept this long, then deleted. */
const KEEP_PROCESSED_MS = 86_400_000;

export interface NewRecoveryRequest {
  kind: RecoveryRequestKind;
  identifier: string;
  ip: string | null;
}

/**
 * Queues a Reset Your Password or Retrieve Forgotten Username request. This single insert is
 * all the page does, so the response costs the same whether or not the account exists (R1, R5).
 */
export async function queueRecoveryRequest(
  db: Db,
  clock: Clock,
  request: NewRecoveryRequest,
): Promise<void> {
  await db
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
}

type Log = (message: string, fields: Record<string, unknown>) => void;

/** Thrown inside the processing transaction when another dispatcher owns the request now. */
class ClaimLost extends Error {}

/** Takes the request for this dispatcher until the lease answered; null when another took it. */
async function claim(db: Db, clock: Clock, request: RecoveryRequest): Promise<number | null> {
  const now = clock.now();
  const leaseUntil = now + LEASE_MS;
  const result = await db
    .updateTable('recovery_requests')
    .set({ lease_until: leaseUntil, attempts: request.attempts + 1 })
    .where('id', '=', request.id)
    .where('processed_at', 'is', null)
    .where('attempts', '=', request.attempts)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? leaseUntil : null;
}

/**
 * Marks a claimed request done and forgets what was typed (it may be a password typed into
 * the wrong box, R76). Only the holder of the lease can; otherwise nothing is committed.
 */
async function finish(trx: Db, clock: Clock, id: string, leaseUntil: number): Promise<void> {
  const result = await trx
    .updateTable('recovery_requests')
    .set({ processed_at: clock.now(), identifier: null, lease_until: null })
    .where('id', '=', id)
    .where('processed_at', 'is', null)
    .where('lease_until', '=', leaseUntil)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new ClaimLost();
}

/** Runs the domain rules of one claimed request and marks it done, all in one transaction. */
async function processClaimed(
  ctx: ServiceContext,
  request: RecoveryRequest,
  leaseUntil: number,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // First, so that on PostgreSQL the row stays locked until the work commits.
    await finish(trx, ctx.clock, request.id, leaseUntil);
    const identifier = request.identifier ?? '';
    if (request.kind === 'password') await requestPasswordReset(trx, ctx, identifier, request.ip);
    else await requestUsernameReminder(trx, ctx, identifier, request.ip);
  });
}

/**
 * Processes up to `limit` due recovery requests, oldest first. Each is claimed with a
 * conditional update (a lease), so two dispatchers never process one request twice; its
 * mail, audit events and counters commit together with its "processed" mark (R81, R83).
 * Answers how many were processed.
 */
export async function processRecoveryRequests(
  ctx: ServiceContext,
  limit: number,
  log?: Log,
): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db
    .selectFrom('recovery_requests')
    .selectAll()
    .where('processed_at', 'is', null)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('created_at')
    .limit(limit)
    .execute();
  let processed = 0;
  for (const request of due) {
    const leaseUntil = await claim(ctx.db, ctx.clock, request);
    if (leaseUntil === null) continue;
    try {
      if (request.attempts >= MAX_RECOVERY_ATTEMPTS) {
        await ctx.db.transaction().execute((trx) => finish(trx, ctx.clock, request.id, leaseUntil));
        log?.('recovery request given up', { requestId: request.id, attempts: request.attempts });
      } else {
        await processClaimed(ctx, request, leaseUntil);
      }
      processed += 1;
    } catch (error) {
      if (error instanceof ClaimLost) continue;
      // Left leased: it is tried again when the lease ends.
      log?.('recovery request failed', { requestId: request.id, error: String(error) });
    }
  }
  return processed;
}

/** Deletes processed requests older than a day. */
export async function pruneRecoveryRequests(db: Db, clock: Clock): Promise<void> {
  await db
    .deleteFrom('recovery_requests')
    .where('processed_at', '<', clock.now() - KEEP_PROCESSED_MS)
    .execute();
}
