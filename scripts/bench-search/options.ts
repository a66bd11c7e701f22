import { tmpdir } from 'node:os';
import path from 'node:path';

type Mode = 'direct' | 'route' | 'store-route' | 'minimal';

/** The benchmark's command-line options (see scripts/bench-search.ts for their meaning). */
export interface Options {
  n: number;
  queries: number;
  seed: string;
  orgs: number;
  stores: Array<'sqlite' | 'postgres'>;
  peer: boolean;
  peerN: number | null;
  cache: string;
  json: string | null;
  measureImport: number;
  /**
   * direct: searchAccounts (the store's search) in process; route: the service process's
   * GET /api/v1/accounts (bearer), from its in-memory index; store-route: the same with
   * SEARCH_INDEX=store; minimal: a bare route over searchAccounts.
   */
  modes: Mode[];
  /** Rounds of (peer, ours), so drift on a shared machine shows. */
  rounds: number;
}

function defaultOptions(): Options {
  return {
    n: 1_000_000,
    queries: 500,
    seed: '42',
    orgs: 2000,
    stores: process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'],
    peer: false,
    peerN: null,
    cache: path.join(tmpdir(), 'latchkey-bench-search'),
    json: null,
    measureImport: 0,
    modes: ['direct', 'route', 'store-route', 'minimal'],
    rounds: 1,
  };
}

/** Applies one argument to o, taking its value with value() when it has one. */
function applyArg(o: Options, a: string | undefined, value: () => string): void {
  if (a === '--n') o.n = Number(value());
  else if (a === '--queries') o.queries = Number(value());
  else if (a === '--seed') o.seed = value();
  else if (a === '--orgs') o.orgs = Number(value());
  else if (a === '--store') {
    const v = value();
    o.stores = v === 'both' ? ['sqlite', 'postgres'] : v === 'postgres' ? ['postgres'] : ['sqlite'];
  } else if (a === '--peer') o.peer = true;
  else if (a === '--peer-n') o.peerN = Number(value());
  else if (a === '--no-http') o.modes = o.modes.filter((m) => m === 'direct');
  else if (a === '--no-direct') o.modes = o.modes.filter((m) => m !== 'direct');
  else if (a === '--modes') {
    o.modes = value()
      .split(',')
      .filter((m): m is Mode => ['direct', 'route', 'store-route', 'minimal'].includes(m));
  } else if (a === '--cache') o.cache = path.resolve(value());
  else if (a === '--json') o.json = path.resolve(value());
  else if (a === '--measure-import') o.measureImport = Number(value());
  else if (a === '--rounds') o.rounds = Number(value());
  else throw new Error(`unknown argument ${a}`);
}

function checkOptions(o: Options): void {
  for (const k of ['n', 'queries', 'orgs', 'rounds'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  if (o.stores.includes('postgres') && !process.env.DATABASE_URL?.startsWith('postgres')) {
    throw new Error('--store postgres needs DATABASE_URL=postgres://…');
  }
}

/** Parses the command line (without node and the script) into Options; throws on a bad one. */
export function parseArgs(argv: string[]): Options {
  const o = defaultOptions();
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      i += 1;
      return v;
    };
    applyArg(o, a, value);
  }
  checkOptions(o);
  return o;
}
