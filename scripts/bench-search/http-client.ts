import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AccountSearchResult } from '../../common/api/account-search.ts';
import type { KindResult, Runner } from './passes.ts';
import { RESULTS, type Kind, type Query } from './queries.ts';
import { ROOT } from './paths.ts';

// The HTTP modes' client: one keep-alive connection, in a process of its own (client-process.ts)
// as the peer's bench-search.mjs is, so that its heap holds the queries and nothing of the
// orchestrator's (a million generated people, the loaded stores). Measured against a client
// in the orchestrator, three runs each: no difference beyond the runs' noise.

/** Searches GET /api/v1/accounts on the port over one keep-alive connection (bearer if token). */
export function httpRunner(port: number, token?: string): { run: Runner; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const run: Runner = (term) =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1/accounts?limit=${RESULTS}&q=${encodeURIComponent(term)}`,
          agent,
          headers: {
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200)
              return reject(new Error(`HTTP ${response.statusCode}: ${body}`));
            resolve(JSON.parse(body) as AccountSearchResult);
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
  return { run, close: () => agent.destroy() };
}

/** What client-process.ts is given. */
export interface ClientJob {
  label: string;
  port: number;
  token: string | undefined;
  queries: Record<Kind, Query[]>;
}

/** Runs `measure` (passes.ts) over HTTP in a fresh process and answers its results. */
export async function measureOverHttp(
  label: string,
  port: number,
  token: string | undefined,
  queries: Record<Kind, Query[]>,
): Promise<KindResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-client-'));
  try {
    const job: ClientJob = { label, port, token, queries };
    const jobFile = path.join(dir, 'job.json');
    const resultFile = path.join(dir, 'results.json');
    writeFileSync(jobFile, JSON.stringify(job));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench-search/client-process.ts', jobFile, resultFile],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`the benchmark client exited with ${code}`);
    return JSON.parse(readFileSync(resultFile, 'utf8')) as KindResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
