import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';

/** How long a process trusts its last count of the waiting requests. */
const RECOUNT_MS = 1000;

interface Reading {
  at: number;
  waiting: number;
  /** The count under way, which concurrent requests share. */
  counting?: Promise<number> | undefined;
}

/** The last count per store handle (one per process), like the audit key bound to it. */
const readings = new WeakMap<Db, Reading>();

/** Waiting (unprocessed) recovery requests in the shared store, counted up to `limit`. */
async function countWaiting(db: Db, limit: number): Promise<number> {
  const row = await db
    .selectFrom(
      db
        .selectFrom('recovery_requests')
        .select('id')
        .where('processed_at', 'is', null)
        .limit(limit)
        .as('waiting'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Whether fewer than `limit` recovery requests wait in the shared store. The count is taken at
 * most once a second per process and shared by the requests in between, so the ceiling holds
 * across processes (within a second's arrivals) at the cost of one indexed count a second, not
 * one per request; the time it adds falls on whichever request comes, whatever it asks for.
 */
export async function backlogBelow(db: Db, clock: Clock, limit: number): Promise<boolean> {
  let reading = readings.get(db);
  if (!reading || clock.now() - reading.at >= RECOUNT_MS) {
    const current: Reading = reading ?? { at: 0, waiting: 0 };
    readings.set(db, current);
    current.counting ??= countWaiting(db, limit).finally(() => {
      current.counting = undefined;
    });
    const waiting = await current.counting;
    current.at = clock.now();
    current.waiting = waiting;
    reading = current;
  }
  return reading.waiting < limit;
}
