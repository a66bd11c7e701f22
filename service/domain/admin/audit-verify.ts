import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { AuditEventTable, Db } from '../../store/schema.ts';
import { AUDIT_GENESIS, auditHash, auditMac } from '../audit.ts';
import { readLatestCheckpoint, type AuditCheckpoint } from '../audit-checkpoints.ts';
import { auditKeysFor, type AuditKeyring } from '../audit-keys.ts';
import { auditScope, canReadEvent } from './audit-query.ts';

/** A chain check's outcome: intact, with its length and head, or the first event that is not. */
export type AuditVerification =
  | {
      ok: true;
      /** Events in the chain. */
      events: number;
      /** The last event. */
      head: { seq: number; hash: string } | null;
      /** Events 1…n of the legacy segment (plain SHA-256, written before keyed MACs); absent when none. */
      legacyEvents?: number;
      /** The checkpoint the chain was compared with; null when there is none yet; absent when none was asked. */
      checkpoint?: { seq: number; at: number } | null;
    }
  | {
      ok: false;
      /** The first event that does not check out (for an event outside the chain, null). */
      seq: number | null;
      reason: string;
    };

type Broken = Extract<AuditVerification, { ok: false }>;

/** Events read per query: the walk keeps only the previous link, whatever the log's length. */
export const VERIFY_PAGE_SIZE = 1000;

/** What verifyAuditChain compares the chain with, and how many events it reads per query. */
export interface ChainChecks {
  /** Compare the chain with this checkpoint (the latest noted outside the database); null: none yet. */
  checkpoint?: AuditCheckpoint | null;
  pageSize?: number;
}

/**
 * Walks the audit log in `seq` order (R78) and names the first event that does not check out:
 * a missing event (a gap in seq, or a chain that does not start at 1), an event that does not
 * link to the one before it (deleted or reordered rows), an event whose content no longer
 * matches its MAC (an edited row), one MACed with a key this service does not hold, or one
 * with a plain SHA-256 hash after keyed events (a chain recomputed without the key). Then,
 * given a checkpoint, a chain that ends before it (the newest events deleted) or that reaches
 * its seq with another MAC (rewritten and recomputed below it).
 *
 * Events with no key_id are the legacy segment, written before migration 008 with plain
 * SHA-256: they are accepted only before the first keyed event, whose MAC covers the legacy
 * head, so they cannot be changed without breaking the keyed chain; a chain rewritten from
 * event 1 as legacy shows only against a checkpoint.
 */
export async function verifyAuditChain(
  db: Db,
  checks: ChainChecks = {},
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

  const walk = new ChainWalk(auditKeysFor(db), checks.checkpoint?.seq);
  const pageSize = checks.pageSize ?? VERIFY_PAGE_SIZE;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', walk.expected)
      .orderBy('seq', 'asc')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const broken = walk.step(row);
      if (broken) return broken;
    }
    if (rows.length < pageSize) break;
  }
  const events = walk.expected - 1;
  if (checks.checkpoint) {
    const broken = againstCheckpoint(checks.checkpoint, events, walk.atCheckpoint);
    if (broken) return broken;
  }
  return {
    ok: true,
    events,
    head: events > 0 ? { seq: events, hash: walk.prevHash } : null,
    ...(walk.legacyEvents > 0 ? { legacyEvents: walk.legacyEvents } : {}),
    ...(checks.checkpoint !== undefined
      ? { checkpoint: checks.checkpoint && checkpointRef(checks.checkpoint) }
      : {}),
  };
}

const checkpointRef = (c: AuditCheckpoint) => ({ seq: c.seq, at: Date.parse(c.time) });

/** The chain's state between rows: the next seq, the previous link, what the checkpoint needs. */
class ChainWalk {
  expected = 1;
  prevHash = AUDIT_GENESIS;
  legacyEvents = 0;
  /** The event at the checkpoint's seq, once passed. */
  atCheckpoint: Pick<AuditEventTable, 'hash' | 'key_id'> | undefined;

  constructor(
    private readonly keys: AuditKeyring,
    private readonly checkpointSeq: number | undefined,
  ) {}

  /** Checks one event; answers what is wrong with it, or undefined. */
  step(row: AuditEventTable): Broken | undefined {
    const seq = Number(row.seq);
    const broken = this.linkBroken(seq, row) ?? this.contentBroken(seq, row);
    if (broken) return broken;
    if (row.key_id === null) this.legacyEvents += 1;
    if (seq === this.checkpointSeq) this.atCheckpoint = row;
    this.prevHash = row.hash;
    this.expected = seq + 1;
    return undefined;
  }

  private linkBroken(seq: number, row: AuditEventTable): Broken | undefined {
    const expected = this.expected;
    if (seq !== expected)
      return {
        ok: false,
        seq: expected,
        reason:
          expected === 1
            ? `event 1 is missing: the log starts at event ${seq}`
            : `event ${expected} is missing: event ${expected - 1} is followed by event ${seq}`,
      };
    if (row.prev_hash !== this.prevHash)
      return {
        ok: false,
        seq,
        reason:
          seq === 1
            ? 'event 1 does not start the chain: its prev_hash is not the genesis hash'
            : `event ${seq} does not follow event ${seq - 1}: its prev_hash is not that event’s hash (an event was removed, moved or rewritten)`,
      };
    return undefined;
  }

  private contentBroken(seq: number, row: AuditEventTable): Broken | undefined {
    if (row.key_id === null) {
      if (this.legacyEvents < seq - 1)
        return {
          ok: false,
          seq,
          reason: `event ${seq} was rewritten: it has a plain SHA-256 hash and no key, after keyed events (the chain was recomputed without the key)`,
        };
      if (auditHash(this.prevHash, seq, row) !== row.hash)
        return {
          ok: false,
          seq,
          reason: `event ${seq} was altered: its content no longer matches its hash`,
        };
      return undefined;
    }
    const key = this.keys.get(row.key_id);
    if (!key)
      return {
        ok: false,
        seq,
        reason: `event ${seq} names audit key ${row.key_id}, which this service does not hold: it was forged, or that key is missing from AUDIT_KEY_PREVIOUS or the key file`,
      };
    if (auditMac(key, this.prevHash, seq, row) !== row.hash)
      return {
        ok: false,
        seq,
        reason: `event ${seq} was altered: its content no longer matches its MAC (an edited row, or a chain recomputed with another key)`,
      };
    return undefined;
  }
}

/** What the latest checkpoint says of a chain that walked intact through `events` events. */
function againstCheckpoint(
  checkpoint: AuditCheckpoint,
  events: number,
  atCheckpoint: Pick<AuditEventTable, 'hash' | 'key_id'> | undefined,
): Broken | undefined {
  const { seq, time } = checkpoint;
  if (events < seq) {
    const cut = events + 1 === seq ? `event ${seq} was` : `events ${events + 1} to ${seq} were`;
    return {
      ok: false,
      seq: events + 1,
      reason: `${cut} deleted: the log ends at event ${events}, but the checkpoint of ${time} recorded event ${seq}`,
    };
  }
  if (atCheckpoint?.hash !== checkpoint.mac || atCheckpoint.key_id !== checkpoint.keyId)
    return {
      ok: false,
      seq,
      reason: `event ${seq} does not match the checkpoint of ${time}: the chain was rewritten up to it (events deleted or changed and the links recomputed)`,
    };
  return undefined;
}

/**
 * `npm run service -- verify-audit`: checks the chain against the latest checkpoint in
 * `checkpointFile` and prints the outcome; answers the exit code (0 intact, 1 not).
 */
export async function verifyAuditCommand(db: Db, checkpointFile: string): Promise<number> {
  const checkpoint = await readLatestCheckpoint(checkpointFile);
  const result = await verifyAuditChain(db, { checkpoint });
  if (!result.ok) {
    const where = result.seq === null ? 'outside the chain' : `event ${result.seq}`;
    console.error(`Audit log BROKEN at ${where}: ${result.reason}.`);
    return 1;
  }
  const head = result.head ? `; last event ${result.head.seq}, hash ${result.head.hash}` : '';
  console.log(`Audit log intact: ${result.events} events${head}.`);
  if (result.legacyEvents)
    console.log(
      `Events 1 to ${result.legacyEvents} predate the keyed chain (plain SHA-256): they are anchored by the first keyed event and the checkpoints, not by a key.`,
    );
  console.log(
    checkpoint
      ? `It matches the latest checkpoint (event ${checkpoint.seq}, ${checkpoint.time}) in ${checkpointFile}.`
      : `No checkpoint in ${checkpointFile} yet: newest events deleted would not show.`,
  );
  return 0;
}

/** The chain check as one administrator may see it (GET /api/v1/audit/verify). */
export type ScopedVerification = AuditVerification | { ok: true; events: null; head: null };

const OUTSIDE_SCOPE =
  'the chain breaks at an event outside your organizations, or at one no longer in the log; a super-administrator can see where (verify-audit)';

/**
 * Verifies the whole chain for an administrator holding read_audit, against the latest
 * checkpoint. The chain spans every organization (R67): only a super-administrator learns its
 * length, head and checkpoint, and a break is located only when the broken event is one the
 * administrator may read; anyone else learns that the log is broken, which every auditor must
 * be able to learn.
 */
export async function verifyAuditFor(
  db: Db,
  admin: AdminIdentity,
  checkpoint: AuditCheckpoint | null,
): Promise<ScopedVerification> {
  const scope = auditScope(admin);
  const result = await verifyAuditChain(db, { checkpoint });
  if (scope === null) return result;
  if (result.ok) return { ok: true, events: null, head: null };
  if (result.seq !== null && (await canReadEvent(db, admin, result.seq))) return result;
  return { ok: false, seq: null, reason: OUTSIDE_SCOPE };
}
