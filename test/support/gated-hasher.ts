import { argon2Hasher, type Hasher } from '../../service/domain/passwords.ts';

/** Which verifications a gate holds: by the stored hash, the candidate, or both. */
type Match = (stored: string, candidate: string) => boolean;

/** Verifications held until released, to line up a race the way a test needs it. */
export interface Gate {
  /** How many verifications are waiting at the gate now. */
  readonly waiting: number;
  release(): void;
}

/**
 * The real argon2 hasher, with a count of verifications per stored hash and gates that hold
 * chosen verifications until the test releases them. A burst's requests then all reach their
 * decision before any hash finishes, as they do under load, without depending on timing.
 */
export class GatedHasher implements Hasher {
  private readonly checksByHash = new Map<string, number>();
  private readonly gates: Array<{ match: Match; held: Array<() => void>; open: boolean }> = [];

  hash = (plain: string) => argon2Hasher.hash(plain);
  needsRehash = (stored: string) => argon2Hasher.needsRehash(stored);

  async verify(stored: string, candidate: string): Promise<boolean> {
    this.checksByHash.set(stored, (this.checksByHash.get(stored) ?? 0) + 1);
    const gate = this.gates.find((g) => !g.open && g.match(stored, candidate));
    if (gate) await new Promise<void>((resolve) => gate.held.push(resolve));
    return argon2Hasher.verify(stored, candidate);
  }

  /** How many verifications were asked for, against any stored hash. */
  get verifications(): number {
    return [...this.checksByHash.values()].reduce((a, b) => a + b, 0);
  }

  /** How many times a candidate was checked against this stored hash. */
  verificationsOf(stored: string): number {
    return this.checksByHash.get(stored) ?? 0;
  }

  /** Holds every verification that `match` picks until the gate is released. */
  hold(match: Match): Gate {
    const gate = { match, held: [] as Array<() => void>, open: false };
    this.gates.push(gate);
    return {
      get waiting() {
        return gate.held.length;
      },
      release() {
        gate.open = true;
        for (const resolve of gate.held.splice(0)) resolve();
      },
    };
  }
}

/** Polls until `check` holds (for state, not for time); fails naming `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
