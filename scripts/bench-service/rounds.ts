import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ManualClock } from '../../service/clock.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import type { KeepAliveClient, Reply } from './keep-alive-client.ts';

// What is timed: rounds of one request of every kind, against seeded accounts.

export const ACCOUNTS = 200;
export const REQUESTS_PER_KIND = 200;
export const WARMUP_ROUNDS = 20;
/** Rounds between clock jumps: 3 sign-ins and 2 reset requests a round stay under the per-IP limits. */
const ROUNDS_PER_WINDOW = 8;
/** Longer than both per-IP windows (sign-in 5 min, Reset Your Password 15 min). */
const WINDOW_JUMP_MS = 15 * 60_000 + 1;
const PASSWORD = 'tulip orbit saddle lantern';
const WRONG_PASSWORD = 'wrong horse battery staple';

export type Kind =
  'hash' | 'signin-ok' | 'signin-wrong' | 'signin-unknown' | 'forgot-known' | 'forgot-unknown';
type HttpKind = Exclude<Kind, 'hash'>;

export const KINDS: Array<{ kind: Kind; label: string }> = [
  { kind: 'hash', label: 'baseline: one argon2id hash, in process' },
  { kind: 'signin-ok', label: 'POST /login, right password' },
  { kind: 'signin-wrong', label: 'POST /login, wrong password, known account' },
  { kind: 'signin-unknown', label: 'POST /login, unknown account' },
  { kind: 'forgot-known', label: 'POST /forgot-password, known account' },
  { kind: 'forgot-unknown', label: 'POST /forgot-password, unknown account' },
];

/** What each kind sends, and the reply that proves the service did the full work for it. */
function requestFor(
  kind: HttpKind,
  i: number,
): { pathname: string; form: Record<string, string>; expect: (r: Reply) => boolean } {
  const known = `bench${String(i).padStart(4, '0')}`;
  const unknown = `ghost${String(i).padStart(4, '0')}`;
  const signedIn = (r: Reply) => r.status === 303 && r.location === '/';
  const refused = (r: Reply) => r.status === 401;
  const sent = (r: Reply) => r.status === 303 && r.location === '/forgot-password/sent';
  switch (kind) {
    case 'signin-ok':
      return {
        pathname: '/login',
        form: { identifier: known, password: PASSWORD },
        expect: signedIn,
      };
    case 'signin-wrong':
      return {
        pathname: '/login',
        form: { identifier: known, password: WRONG_PASSWORD },
        expect: refused,
      };
    case 'signin-unknown':
      return {
        pathname: '/login',
        form: { identifier: unknown, password: WRONG_PASSWORD },
        expect: refused,
      };
    case 'forgot-known':
      return { pathname: '/forgot-password', form: { identifier: known }, expect: sent };
    case 'forgot-unknown':
      return { pathname: '/forgot-password', form: { identifier: unknown }, expect: sent };
  }
}

/** A shuffled copy (node:crypto, so no kind always follows another). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Runs `rounds` rounds of one request of every kind, in a fresh random order each round, so
 * drift (cache, mail dispatch, GC) falls on all kinds alike. Account i serves round i: one
 * wrong password per account keeps far from the lockout, one reset email per account far from
 * the hourly cap; the manual clock jumps past the per-IP windows every few rounds.
 */
export async function measure(
  client: KeepAliveClient,
  clock: ManualClock,
  rounds: number,
  firstAccount: number,
  deadline: number,
) {
  const samples = new Map<Kind, number[]>(KINDS.map(({ kind }) => [kind, []]));
  for (let round = 0; round < rounds && performance.now() < deadline; round += 1) {
    if (round % ROUNDS_PER_WINDOW === 0) clock.advance(WINDOW_JUMP_MS);
    for (const { kind } of shuffled(KINDS))
      samples.get(kind)?.push(await sample(client, kind, (firstAccount + round) % ACCOUNTS));
  }
  return samples;
}

/** One timed request of `kind` (or one timed hash, measured amid the requests so load is shared). */
async function sample(client: KeepAliveClient, kind: Kind, account: number): Promise<number> {
  if (kind === 'hash') {
    const started = performance.now();
    await argon2Hasher.hash(PASSWORD);
    return performance.now() - started;
  }
  const { pathname, form, expect } = requestFor(kind, account);
  const { reply, ms } = await client.post(pathname, form);
  if (!expect(reply))
    throw new Error(`${kind}: unexpected reply ${reply.status} ${reply.location ?? ''}`);
  return ms;
}
