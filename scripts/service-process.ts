import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The service's command line as it ships: `npm run service -- ARGS` runs `node SERVICE_CLI ARGS`,
 * compiled from service/cli.ts by scripts/build-service.mjs.
 */
export const SERVICE_CLI = path.resolve(import.meta.dirname, '../out/node/service/cli.js');

/**
 * Compiles the service if a source changed since the last build (`tsc --build`: about half a
 * second when nothing did), so that what is started is never older than its sources.
 */
export function buildService(): void {
  const script = path.resolve(import.meta.dirname, 'build-service.mjs');
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the service did not compile (see above)');
}

/** The account service running in a process of its own, as deployed. */
export interface ServiceProcess {
  url: string;
  port: number;
  /** Its process id, to signal it. */
  pid: number;
  /** Settles with its exit code once it has ended (null when a signal ended it). */
  exited: Promise<number | null>;
  /**
   * Waits until the search index is built (GET /healthz says 'ready', or 'store' under
   * SEARCH_INDEX=store) and answers that state and how long the wait took.
   */
  searchIndexSettled(timeoutMs?: number): Promise<{ state: string; ms: number }>;
  /** Sends `signal` (SIGKILL unless named: a crash, no clean-up) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the compiled `service/cli.ts serve` on a store (DATABASE_URL, or the SQLite file under DATA_DIR) on
 * a free loopback port, logging warnings only, and answers once it listens. The benchmarks use
 * it so that the client's work and the service's do not share one event loop, as they never do.
 */
export async function startServiceProcess(
  store: {
    databaseUrl?: string | undefined;
    dataDir: string;
  },
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ServiceProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: store.dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  if (store.databaseUrl) env.DATABASE_URL = store.databaseUrl;
  else delete env.DATABASE_URL;
  // e.g. SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service.
  const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, SERVICE_CLI, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /account service: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) =>
      reject(new Error(`the service exited (${code}) before listening`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    pid: child.pid ?? 0,
    exited,
    async searchIndexSettled(timeoutMs = 600_000) {
      const started = performance.now();
      for (;;) {
        const health = (await (await fetch(`${url}/healthz`)).json()) as { searchIndex?: string };
        const state = health.searchIndex ?? 'unknown';
        if (state !== 'building' && state !== 'none') {
          return { state, ms: performance.now() - started };
        }
        if (performance.now() - started > timeoutMs) {
          throw new Error(`the search index was not built within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
