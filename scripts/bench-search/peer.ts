import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { log } from './format.ts';
import type { Options } from './options.ts';
import { PEER_DIR } from './paths.ts';
import type { Kind } from './queries.ts';

// The peer: slapd loaded and run by its run-slapd.sh, measured by its bench-search.mjs.

/** The peer's figures for one kind, with 1 client. */
export interface PeerKind {
  kind: Kind;
  p50: number;
  p95: number;
  p99: number;
  qps: number;
}

const PEER_WORK = path.join(tmpdir(), 'ldap-peer-bench');
const PEER_DATA = process.env.LDAP_PEER_DIR ?? '/tmp/ldap-peer';

function peerShell(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: PEER_WORK,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return r.stdout;
}

/** Loads slapd with the peer's script (or restarts it on the same load); answers the load figures. */
export function startPeer(n: number, o: Options): string | null {
  try {
    mkdirSync(PEER_WORK, { recursive: true });
    for (const f of ['gen-users.mjs', 'bench-search.mjs', 'run-slapd.sh', 'package.json']) {
      cpSync(path.join(PEER_DIR, f), path.join(PEER_WORK, f));
    }
    if (!existsSync(path.join(PEER_WORK, 'node_modules/ldapts'))) {
      log('peer: npm install (ldapts 8.2.0, in its own folder under /tmp)…');
      peerShell('npm', ['install', '--no-audit', '--no-fund', '--silent']);
    }
    const loadFile = path.join(PEER_DATA, 'load.txt');
    const loaded = existsSync(loadFile) ? readFileSync(loadFile, 'utf8') : '';
    const env = { SEED: o.seed, ORGS: String(o.orgs) };
    if (
      loaded.startsWith(`n=${n} seed=${o.seed} orgs=${o.orgs}\n`) &&
      existsSync(path.join(PEER_DATA, 'db/data.mdb'))
    ) {
      log(`peer: restarting slapd on its N=${n} load`);
      peerShell('bash', ['run-slapd.sh', 'start'], env);
    } else {
      log(`peer: run-slapd.sh ${n} (installs and loads slapd; about 7 minutes at 1M)…`);
      peerShell('bash', ['run-slapd.sh', String(n)], env);
    }
    return existsSync(loadFile) ? readFileSync(loadFile, 'utf8').trim().replace(/\n/g, ', ') : '';
  } catch (e) {
    log(`peer: not started (${(e as Error).message})`);
    return null;
  }
}

/** One run of the peer's bench-search.mjs (warm-up, 1 client, then 4 clients). */
export function benchPeer(n: number, o: Options, round: number): PeerKind[] | null {
  try {
    const json = path.join(PEER_WORK, `peer-n${n}-round${round}.json`);
    log(`peer: bench-search.mjs (round ${round})…`);
    peerShell('node', [
      'bench-search.mjs',
      ...['--n', String(n), '--seed', o.seed, '--orgs', String(o.orgs)],
      ...['--queries', String(o.queries), '--json', json],
    ]);
    const data = JSON.parse(readFileSync(json, 'utf8')) as {
      results: Array<{
        kind: Kind;
        clients1: { p50: number; p95: number; p99: number; qps: number };
      }>;
    };
    return data.results.map((r) => ({ kind: r.kind, ...r.clients1 }));
  } catch (e) {
    log(`peer: not measured (${(e as Error).message})`);
    return null;
  }
}

/** Stops slapd (run-slapd.sh stop). */
export function stopPeer(): void {
  spawnSync('bash', ['run-slapd.sh', 'stop'], { cwd: PEER_WORK, stdio: 'inherit' });
}
