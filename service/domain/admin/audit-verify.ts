import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Db } from '../../context.ts';
import { AUDIT_GENESIS, auditHash } from '../audit.ts';
import { auditScope, canReadEvent } from './audit-query.ts';

export type AuditVerification =
  | {
      ok: true;
      /** Events in the chain. */
      events: number;
      /** The last event: note it somewhere else, and a later run shows whether the tail was cut. */
      head: { seq: number; hash: string } | null;
    }
  | {
      ok: false;
      /** The first event that does not check out (for an event outside the chain, null). */
      seq: number | null;
      reason: string;
    };

/** Events read per query: the walk keeps only the previous hash, whatever the log's length. */
export const VERIFY_PAGE_SIZE = 1000;

/**
 * Walks the hash-chained audit log in `seq` order (R78) and names the first event that does not
 * check out: a missing event (a gap in seq, or a chain that does not start at 1), an event that
 * does not link to the one before it (deleted or reordered rows), or an event whose content no
 * longer matches its hash (an edited row). Cutting events off the end leaves a valid, shorter
 * chain: compare `head` with one noted earlier to see that.
 */
export async function verifyAuditChain(
  db: Db,
  pageSize = VERIFY_PAGE_SIZE,
): Promise<AuditVerification> {
  const outside = await db
    .selectFrom('audit_events')
    .select('id')
    .where((eb) =>
      eb.or([eb('seq', 'is', null), eb('prev_hash', 'is', null), eb('hash', 'is', null)]),
    )
    .limit(1)
    .executeTakeFirst();
  if (outside)
    return {
      ok: false,
      seq: null,
      reason: `event ${outside.id} is outside the chain (no seq or hash): it was added by hand or predates the chain`,
    };

  let expected = 1;
  let prevHash = AUDIT_GENESIS;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', expected)
      .orderBy('seq', 'asc')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected)
        return {
          ok: false,
          seq: expected,
          reason:
            expected === 1
              ? `event 1 is missing: the log starts at event ${seq}`
              : `event ${expected} is missing: event ${expected - 1} is followed by event ${seq}`,
        };
      if (row.prev_hash !== prevHash)
        return {
          ok: false,
          seq,
          reason:
            seq === 1
              ? 'event 1 does not start the chain: its prev_hash is not the genesis hash'
              : `event ${seq} does not follow event ${seq - 1}: its prev_hash is not that event’s hash (an event was removed, moved or rewritten)`,
        };
      if (auditHash(prevHash, seq, row) !== row.hash)
        return {
          ok: false,
          seq,
          reason: `event ${seq} was altered: its content no longer matches its hash`,
        };
      prevHash = row.hash;
      expected = seq + 1;
    }
    if (rows.length < pageSize) break;
  }
  const events = expected - 1;
  return { ok: true, events, head: events > 0 ? { seq: events, hash: prevHash } : null };
}

/** `npm run service -- verify-audit`: prints the outcome; answers the exit code (0 intact, 1 not). */
export async function verifyAuditCommand(db: Db): Promise<number> {
  const result = await verifyAuditChain(db);
  if (!result.ok) {
    const where = result.seq === null ? 'outside the chain' : `event ${result.seq}`;
    console.error(`Audit log BROKEN at ${where}: ${result.reason}.`);
    return 1;
  }
  const head = result.head ? `; last event ${result.head.seq}, hash ${result.head.hash}` : '';
  console.log(`Audit log intact: ${result.events} events${head}.`);
  return 0;
}

/** The chain check as one administrator may see it (GET /api/v1/audit/verify). */
export type ScopedVerification =
  | { ok: true; events: number | null; head: { seq: number; hash: string } | null }
  | { ok: false; seq: number | null; reason: string };

const OUTSIDE_SCOPE =
  'the chain breaks at an event outside your organizations; a super-administrator can see where (verify-audit)';

/**
 * Verifies the whole chain for an administrator holding read_audit. The chain spans every
 * organization (R67): only a super-administrator learns its length and head, and a break is
 * located only when the broken event is one the administrator may read; anyone else learns
 * that the log is broken, which every auditor must be able to learn.
 */
export async function verifyAuditFor(db: Db, admin: AdminIdentity): Promise<ScopedVerification> {
  const scope = auditScope(admin);
  const result = await verifyAuditChain(db);
  if (scope === null) return result;
  if (result.ok) return { ok: true, events: null, head: null };
  if (result.seq !== null && (await canReadEvent(db, admin, result.seq))) return result;
  return { ok: false, seq: null, reason: OUTSIDE_SCOPE };
}
