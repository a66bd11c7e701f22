import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Options } from './options.ts';
import { PEER_DIR } from './paths.ts';

// The peer's generator and its query drawing (a port of bench-search.mjs buildQueries).

/** The peer's four query kinds, in the order it runs them. */
export const KINDS = ['uid-prefix', 'mail-prefix', 'cn-substring', 'box-or-prefix'] as const;
/** One of the peer's query kinds. */
export type Kind = (typeof KINDS)[number];
/** Results asked of every query, as the peer asks. */
export const RESULTS = 50;

/** One person as the peer's gen-users.mjs generates it. */
export interface GeneratedUser {
  username: string;
  email: string;
  name: string;
  phone: string;
  organization: string;
  products: string[];
  shared: boolean;
  holders: Array<{ name: string; email: string }>;
}

interface Rng {
  float(): number;
  int(n: number): number;
  range(lo: number, hi: number): number;
  pick<T>(items: T[]): T;
}

/** What gen-users.mjs exports. */
export interface Generator {
  generateUsers(o: { n: number; seed: string; orgs: number }): Iterable<GeneratedUser>;
  makeRng(seed: string): Rng;
  CSV_HEADER: string;
  toCsvRow(u: GeneratedUser): string;
}

/** Imports the peer's gen-users.mjs from its own folder. */
export async function loadGenerator(): Promise<Generator> {
  const file = path.join(PEER_DIR, 'gen-users.mjs');
  return (await import(pathToFileURL(file).href)) as Generator;
}

/** One search term of one kind. */
export interface Query {
  kind: Kind;
  term: string;
}

/** Draws o.queries terms of each kind from the first n generated people, as the peer does. */
export function buildQueries(gen: Generator, o: Options, n: number): Record<Kind, Query[]> {
  const pickers = KINDS.map((kind) => {
    const rng = gen.makeRng(`${o.seed}:queries:${kind}`);
    const rows = Array.from({ length: o.queries * 2 }, () => rng.int(n));
    return { kind, rng, rows };
  });
  const wanted = new Map<number, GeneratedUser | null>();
  for (const p of pickers) for (const r of p.rows) wanted.set(r, null);
  let i = 0;
  for (const u of gen.generateUsers({ n, seed: o.seed, orgs: o.orgs })) {
    if (wanted.has(i)) wanted.set(i, u);
    i += 1;
  }
  const out = {} as Record<Kind, Query[]>;
  for (const { kind, rng, rows } of pickers) {
    const list: Query[] = [];
    for (const r of rows) {
      const u = wanted.get(r);
      if (!u) throw new Error(`row ${r} was not generated`);
      const term = makeTerm(kind, u, rng);
      if (term !== null) list.push({ kind, term });
    }
    out[kind] = list.slice(0, o.queries);
    if (out[kind].length < o.queries)
      throw new Error(`could not draw ${o.queries} ${kind} queries`);
  }
  return out;
}

function makeTerm(kind: Kind, u: GeneratedUser, rng: Rng): string | null {
  const prefix = (s: string, lo: number, hi: number) =>
    s.slice(0, Math.min(s.length, rng.range(lo, hi))).toLowerCase();
  switch (kind) {
    case 'uid-prefix':
      return prefix(u.username, 3, 6);
    case 'mail-prefix':
      return prefix(u.email, 3, 6);
    case 'cn-substring': {
      const words = u.name.split(' ').filter((w) => /^[A-Za-z']+$/.test(w) && w.length >= 5);
      if (words.length === 0) return null;
      const word = rng.pick(words);
      const len = Math.min(rng.range(3, 5), word.length - 2);
      const start = 1 + rng.int(word.length - len - 1);
      return word.slice(start, start + len).toLowerCase();
    }
    case 'box-or-prefix': {
      const field = rng.float();
      return field < 0.3
        ? prefix(u.username, 3, 6)
        : field < 0.5
          ? prefix(u.email, 3, 6)
          : field < 0.85
            ? prefix(u.name, 3, 6)
            : prefix(u.phone, 4, 9);
    }
  }
}
