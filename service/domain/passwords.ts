import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { ConcurrencyLimit } from '../concurrency-limit.ts';

// @node-rs/argon2's Algorithm is an ambient const enum; Argon2id is 2.
const ARGON2ID = 2;

/** OWASP's argon2id minimum (SPEC §4, R55): m = 19 MiB, t = 2, p = 1. */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Anything longer is refused before hashing, so a huge input costs nothing (R50). */
export const MAX_SECRET_LENGTH = 1024;

/** Hashes and checks passwords and answers; injected so tests can count calls (R4). */
export interface Hasher {
  hash(secret: string): Promise<string>;
  verify(phc: string, secret: string): Promise<boolean>;
  /** True when a stored hash was made with other parameters and should be redone (R56). */
  needsRehash(phc: string): boolean;
}

/** NFKC at set and at check, never case-changed or truncated (R51). */
export const normalizeSecret = (secret: string): string => secret.normalize('NFKC');

/**
 * One hash per core at a time; the rest wait their turn, in order (issue 18). Each call runs on
 * libuv's pool, four threads by default: more hashes than cores only share the cores (and the
 * memory caches: 19 MiB each) while they crowd the event loop's thread off them and hold the
 * threads the service's file and DNS work waits for.
 */
const hashing = new ConcurrencyLimit(availableParallelism());

export const argon2Hasher: Hasher = {
  hash: (secret) =>
    hashing.run(() => hash(normalizeSecret(secret), { algorithm: ARGON2ID, ...ARGON2_PARAMS })),
  async verify(phc, secret) {
    try {
      return await hashing.run(() => verify(phc, normalizeSecret(secret)));
    } catch {
      return false;
    }
  },
  needsRehash(phc) {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    return (
      m !== ARGON2_PARAMS.memoryCost ||
      t !== ARGON2_PARAMS.timeCost ||
      p !== ARGON2_PARAMS.parallelism
    );
  },
};

/** One dummy hash per hasher, made by that hasher: its parameters and its cost (R4). */
const dummyHashes = new WeakMap<Hasher, Promise<string>>();

/**
 * A real hash of nothing anyone knows, made by `hasher` itself: unknown, locked and disabled
 * sign-ins verify against it, so every branch costs one run of the same hash (R4, OWASP
 * "quick exit"). Made once per hasher; a failure is not remembered.
 */
export function dummyPasswordHash(hasher: Hasher): Promise<string> {
  let made = dummyHashes.get(hasher);
  if (!made) {
    made = hasher.hash(`latchkey-dummy-${randomBytes(16).toString('base64url')}`);
    dummyHashes.set(hasher, made);
    made.catch(() => dummyHashes.delete(hasher));
  }
  return made;
}
