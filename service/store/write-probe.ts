import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from './database.ts';
import { storeOutageOf, type StoreOutage } from './store-errors.ts';

/** Thrown to roll the probe's transaction back once its write went through. */
class ProbeWritten extends Error {}

/** The longest a probe may take before the store is reported as not answering. */
const PROBE_TIMEOUT_MS = 5_000;

// On SQLite the row is larger than a page, so it needs pages of its own: a file at its size
// limit refuses it as it would any real write. PostgreSQL indexes no key that long.
const SQLITE_PADDING = '.'.repeat(8192);

/**
 * Proves the store takes a write now: inserts one row into `rate_counters` inside a transaction
 * and always rolls it back, so nothing is left behind and any number of processes may probe at
 * once. It sees a store that is unreachable, read-only (a replica, a write-protected file),
 * locked or full up to its size limit; it cannot see a disk that fills only when SQLite flushes
 * a commit (readiness adds the errors real writes met for that). Answers the outage it met, or
 * undefined.
 */
export async function probeWrite(
  store: Pick<Store, 'db' | 'dialect'>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<StoreOutage | undefined> {
  const attempt = store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') {
      // A lock held by someone else fails the probe with a named error rather than waiting.
      await sql`set local lock_timeout = '2s'`.execute(trx);
      await sql`set local statement_timeout = '4s'`.execute(trx);
    }
    const padding = store.dialect === 'sqlite' ? SQLITE_PADDING : '';
    await trx
      .insertInto('rate_counters')
      .values({ bucket: `readiness-probe:${randomUUID()}${padding}`, window_start: 0, count: 0 })
      .execute();
    throw new ProbeWritten();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([attempt, timeout]);
    if (outcome === 'timeout') {
      attempt.catch(() => {}); // settles later, unheard
      return {
        kind: 'unreachable',
        code: 'no_answer',
        detail: `no answer within ${timeoutMs / 1000} s`,
      };
    }
    return undefined;
  } catch (error) {
    if (error instanceof ProbeWritten) return undefined;
    const outage = storeOutageOf(error);
    if (outage) return outage;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
