/**
 * bench:service's throughput part (issue 18): sign-ins per second under concurrent clients,
 * beside raw argon2id verifications on the same cores with the same parameters and the same
 * concurrency, measured in turns (baseline, page, API, baseline, …) so load from elsewhere on
 * the machine falls on all of them alike; and the service's event-loop delay under the load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ADMIN_PASSWORD } from '../test/support/admin.ts';
import { RawHttpConnection } from './raw-http.ts';
import { verify } from '@node-rs/argon2';
import { argon2Hasher, normalizeSecret } from '../service/domain/passwords.ts';
import {
  administratorName,
  holderName,
  type LoopReport,
  type Reply,
} from './bench-service-process.ts';

export const CLIENTS = 4;
const PASSWORD = 'tulip orbit saddle lantern';
const HOLDERS = 400;
const ADMINISTRATORS = 40;

type LoadKind = 'argon2id' | 'hasher' | 'page' | 'api';
const LOAD_KINDS: Array<{ kind: LoadKind; label: string }> = [
  { kind: 'argon2id', label: 'raw argon2id verifications (in process)' },
  { kind: 'hasher', label: "  the same through the service's hasher" },
  { kind: 'page', label: 'POST /login (page sign-in)' },
  { kind: 'api', label: 'POST /api/v1/auth/sign-in (API sign-in)' },
];

interface Phase {
  perSecond: number;
  /** Operations completed in the phase. */
  done: number;
  /** CPU time of this (the client's) process in the phase, ms. */
  clientCpuMs: number;
  loop?: LoopReport;
}

export interface ThroughputResult {
  name: string;
  /** Per kind, one phase per round. */
  phases: Map<LoadKind, Phase[]>;
}

/** One keep-alive connection, as one browser or console would hold. */
class LoadClient {
  private readonly connection: RawHttpConnection;
  private csrfCookie = '';
  private csrfToken = '';

  constructor(base: URL) {
    this.connection = new RawHttpConnection(base.hostname, Number(base.port));
  }

  /** Visits Log In once for the CSRF cookie and form token. */
  async start(): Promise<void> {
    const reply = await this.connection.request('GET', '/login', {});
    const cookies = reply.headers.get('set-cookie') ?? [];
    this.csrfCookie = cookies.find((c) => c.startsWith('lk_csrf='))?.split(';')[0] ?? '';
    this.csrfToken = /name="_csrf" value="([^"]+)"/.exec(reply.body)?.[1] ?? '';
    if (!this.csrfCookie || !this.csrfToken) throw new Error('GET /login gave no CSRF token');
  }

  /** One page sign-in from `ip` (behind the trusted proxy); throws unless it signed in. */
  async page(username: string, ip: string): Promise<void> {
    const body = new URLSearchParams({
      identifier: username,
      password: PASSWORD,
      _csrf: this.csrfToken,
    }).toString();
    const reply = await this.connection.request(
      'POST',
      '/login',
      {
        cookie: this.csrfCookie,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
      },
      body,
    );
    const location = reply.headers.get('location')?.[0];
    if (reply.status !== 303 || location !== '/')
      throw new Error(`page sign-in: ${reply.status} ${location ?? ''}`);
  }

  /** One admin API sign-in from `ip`; throws unless it answered tokens. */
  async api(username: string, ip: string): Promise<void> {
    const body = JSON.stringify({ username, password: ADMIN_PASSWORD });
    const reply = await this.connection.request(
      'POST',
      '/api/v1/auth/sign-in',
      { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body,
    );
    if (reply.status !== 200) throw new Error(`API sign-in: ${reply.status} ${reply.body}`);
  }

  close(): void {
    this.connection.close();
  }
}

/** The forked service and a typed conversation with it. */
class ServiceProcess {
  private readonly replies: Reply[] = [];
  private waiting: ((reply: Reply) => void) | undefined;
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(new URL('./bench-service-process.ts', import.meta.url), [], {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: Reply) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(reply);
      } else this.replies.push(reply);
    });
  }

  /** Sends a command and waits for its reply, which must be of type `expect`. */
  async ask<T extends Reply['type']>(
    command: object,
    expect: T,
  ): Promise<Extract<Reply, { type: T }>> {
    this.child.send(command);
    const reply =
      this.replies.shift() ??
      (await new Promise<Reply>((resolve, reject) => {
        this.waiting = resolve;
        this.child.once('exit', (code) =>
          reject(new Error(`the service process exited (${code})`)),
        );
      }));
    if (reply.type !== expect)
      throw new Error(`expected ${expect} from the service, got ${reply.type}`);
    return reply as Extract<Reply, { type: T }>;
  }

  tell(command: object): void {
    this.child.send(command);
  }

  async close(): Promise<void> {
    if (this.child.connected) await this.ask({ type: 'close' }, 'closed');
    if (this.child.exitCode === null)
      await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** Runs `worker` on CLIENTS concurrent loops for `ms`; answers the completions and their rate. */
async function saturate(
  ms: number,
  worker: (client: number) => Promise<void>,
): Promise<Omit<Phase, 'loop'>> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + ms;
  let done = 0;
  let last = started;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (performance.now() < until) {
        await worker(client);
        done += 1;
        last = performance.now();
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    perSecond: (done / (last - started)) * 1000,
    done,
    clientCpuMs: (used.user + used.system) / 1000,
  };
}

let address = 0;
/** A new client address for every sign-in, as many people behind one load balancer. */
function nextAddress(): string {
  address += 1;
  return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
}

/**
 * Measures one store: `rounds` turns of each kind (the order rotating each round), `seconds`
 * each, with the service in a forked process that was warmed up by one short turn of each.
 */
export async function measureThroughput(
  name: string,
  store: { dataDir: string; databaseUrl?: string | undefined },
  rounds: number,
  seconds: number,
): Promise<ThroughputResult> {
  const service = new ServiceProcess();
  const clients: LoadClient[] = [];
  try {
    const { url } = await service.ask(
      {
        type: 'start',
        dataDir: store.dataDir,
        ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}),
        holders: HOLDERS,
        administrators: ADMINISTRATORS,
      },
      'ready',
    );
    for (let i = 0; i < CLIENTS; i += 1) clients.push(new LoadClient(new URL(url)));
    await Promise.all(clients.map((c) => c.start()));
    const stored = await argon2Hasher.hash(PASSWORD);
    const raw = normalizeSecret(PASSWORD);
    let holder = 0;
    let administrator = 0;
    const work: Record<LoadKind, (client: number) => Promise<void>> = {
      // @node-rs/argon2 itself, every call straight into libuv's pool: the reporter's baseline.
      argon2id: async () => {
        if (!(await verify(stored, raw))) throw new Error('verify failed');
      },
      hasher: async () => {
        if (!(await argon2Hasher.verify(stored, PASSWORD))) throw new Error('verify failed');
      },
      page: (c) => clients[c]!.page(holderName((holder += 1) % HOLDERS), nextAddress()),
      api: (c) =>
        clients[c]!.api(administratorName((administrator += 1) % ADMINISTRATORS), nextAddress()),
    };
    const phases = new Map<LoadKind, Phase[]>(LOAD_KINDS.map(({ kind }) => [kind, []]));
    for (const { kind } of LOAD_KINDS) await saturate(500, work[kind]);
    for (let round = 0; round < rounds; round += 1) {
      const order = LOAD_KINDS.map((_, i) => LOAD_KINDS[(i + round) % LOAD_KINDS.length]!.kind);
      for (const kind of order) {
        const signIn = kind === 'page' || kind === 'api';
        if (signIn) service.tell({ type: 'lag-start' });
        const measured = await saturate(seconds * 1000, work[kind]);
        const loop = signIn ? await service.ask({ type: 'lag-stop' }, 'lag') : undefined;
        phases.get(kind)?.push({ ...measured, ...(loop ? { loop } : {}) });
      }
    }
    return { name, phases };
  } finally {
    for (const c of clients) c.close();
    await service.close();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Prints medians over the rounds: throughput, the ratio to the baseline of the same round, lag. */
export function printThroughput(result: ThroughputResult): void {
  const baseline = result.phases.get('argon2id') ?? [];
  const rule = '-'.repeat(98);
  const cell = (value: number | undefined, width = 7, digits = 1) =>
    (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits)).padStart(width);
  console.log(
    `\n${result.name}: ${CLIENTS} concurrent clients, medians of ${baseline.length} turns each`,
  );
  console.log(rule);
  console.log(
    `${'per second'.padEnd(44)}${'median'.padStart(8)}${'range'.padStart(10)}${'ratio'.padStart(7)}${'lag p50'.padStart(9)}${'p99'.padStart(7)}${'max'.padStart(7)}`,
  );
  console.log(rule);
  for (const { kind, label } of LOAD_KINDS) {
    const phases = result.phases.get(kind) ?? [];
    const rates = phases.map((p) => p.perSecond);
    const range = `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`;
    let line = `${label.padEnd(44)}${cell(median(rates), 8)}${range.padStart(10)}`;
    if (kind !== 'argon2id') {
      const ratios = phases.map((p, i) => p.perSecond / (baseline[i]?.perSecond ?? NaN));
      const loops = phases.flatMap((p) => (p.loop ? [p.loop] : []));
      const lag = (pick: (l: LoopReport) => number) => cell(median(loops.map(pick)));
      line += `${cell(median(ratios), 7, 2)}${lag((l) => l.p50).padStart(9)}${lag((l) => l.p99)}${lag((l) => l.max)}`;
    }
    console.log(line);
  }
  console.log(rule);
  console.log(
    `${'CPU ms per operation'.padEnd(44)}${'service'.padStart(8)}${'main'.padStart(7)}${'others'.padStart(7)}${'waited'.padStart(8)}${'busy'.padStart(6)}${'pg'.padStart(7)}${'bench'.padStart(7)}${'total'.padStart(7)}${'ratio'.padStart(7)}`,
  );
  const perOp = (kind: LoadKind, pick: (p: Phase) => number | undefined) =>
    median((result.phases.get(kind) ?? []).map((p) => (pick(p) ?? NaN) / p.done));
  const rawCpu = perOp('argon2id', (p) => p.clientCpuMs);
  for (const { kind, label } of LOAD_KINDS) {
    const per = (pick: (p: Phase) => number | undefined) => perOp(kind, pick);
    const service = per((p) => p.loop?.processCpuMs);
    const main = per((p) => p.loop?.mainCpuMs);
    const postgres = per((p) => p.loop?.postgresCpuMs);
    const bench = per((p) => p.clientCpuMs);
    const total =
      bench + (Number.isNaN(service) ? 0 : service) + (Number.isNaN(postgres) ? 0 : postgres);
    const busy = median((result.phases.get(kind) ?? []).map((p) => p.loop?.utilization ?? NaN));
    console.log(
      `${label.padEnd(44)}${cell(service, 8, 2)}${cell(main, 7, 2)}${cell(service - main, 7, 2)}${cell(
        per((p) => p.loop?.mainWaitMs),
        8,
        2,
      )}${cell(busy * 100, 5, 0)}%${cell(postgres, 7, 2)}${cell(bench, 7, 2)}${cell(total, 7, 2)}${cell(rawCpu / total, 7, 2)}`,
    );
  }
  console.log(rule);
  console.log(
    [
      'ratio: operations per raw verification of the same round (goal for sign-ins: 0.90 or more).',
      'lag: ms an event-loop timer fired late in the service process (goal: p99 under 50).',
      "CPU: the service process (its main thread; its others: hashes, GC); the main thread's wait",
      "for a free core; its event loop's busy share; the PostgreSQL backends serving it; this",
      'process (the clients, or the hashes of a baseline); their total, and the raw verification',
      "CPU's share of it (the ratio the cores would allow if nothing but CPU limited it).",
    ].join('\n'),
  );
}
