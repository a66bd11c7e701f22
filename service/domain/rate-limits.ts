import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';

/**
 * Counts one hit in a fixed window kept in the shared store, so the limit holds across
 * service processes (SPEC §6). Answers the count including this hit.
 */
export async function countHit(
  db: Db,
  clock: Clock,
  bucket: string,
  windowMs: number,
): Promise<number> {
  const windowStart = Math.floor(clock.now() / windowMs) * windowMs;
  const row = await db
    .insertInto('rate_counters')
    .values({ bucket, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['bucket', 'window_start'])
        .doUpdateSet((eb) => ({ count: eb(eb.ref('rate_counters.count'), '+', 1) })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return row.count;
}

/** True while `bucket` has had at most `limit` hits in the current window; counts this one. */
export async function withinLimit(
  db: Db,
  clock: Clock,
  bucket: string,
  limit: number,
  windowMs: number,
): Promise<boolean> {
  return (await countHit(db, clock, bucket, windowMs)) <= limit;
}

/** Forgets windows older than a day. */
export async function pruneRateCounters(db: Db, clock: Clock): Promise<void> {
  await db
    .deleteFrom('rate_counters')
    .where('window_start', '<', clock.now() - 86_400_000)
    .execute();
}
