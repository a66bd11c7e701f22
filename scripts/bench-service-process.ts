/**
 * The account service for bench:service's throughput runs, in a process of its own (forked by
 * scripts/sign-in-throughput.ts), so the load's client and the service share no event loop.
 * It starts as `serve` does (request logging at LOG_LEVEL, default info, behind a trusted
 * proxy), seeds the bench's accounts, and answers its parent over IPC: the event loop's delay
 * and utilization while a load ran. Not a test and not part of the service.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { sql } from 'kysely';
import { z } from 'zod';
import { loadConfig } from '../service/config.ts';
import { argon2Hasher, type Hasher } from '../service/domain/passwords.ts';
import { startService, type RunningService } from '../service/server.ts';
import { openStore, type Store } from '../service/store/database.ts';
import { seedAccount, seedOrganization } from '../test/support/accounts.ts';
import { seedAdmin } from '../test/support/admin.ts';

/** What the parent sends: where the store is, and how many accounts of each kind to seed. */
export const StartMessage = z.object({
  type: z.literal('start'),
  dataDir: z.string(),
  databaseUrl: z.string().optional(),
  holders: z.number().int().positive(),
  administrators: z.number().int().positive(),
});

export const Command = z.discriminatedUnion('type', [
  StartMessage,
  z.object({ type: z.literal('lag-start') }),
  z.object({ type: z.literal('lag-stop') }),
  z.object({ type: z.literal('close') }),
]);

/**
 * The event loop while a load ran: delay past the timer's interval (ms), and busy fraction; and
 * CPU time (ms) of the main thread, of the whole process (hash threads too), and the time the
 * main thread was ready to run but waited for a core (Linux only, else undefined).
 */
export interface LoopReport {
  type: 'lag';
  p50: number;
  p99: number;
  max: number;
  utilization: number;
  mainCpuMs: number | undefined;
  mainWaitMs: number | undefined;
  processCpuMs: number;
}

/** The main thread's run and wait time (ns) from /proc, where there is one. */
function mainThreadTimes(): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return run === undefined || wait === undefined ? undefined : { run, wait };
  } catch {
    return undefined;
  }
}

export type Reply = { type: 'ready'; url: string } | LoopReport | { type: 'closed' };

/** The timer interval the delay is sampled at; what it adds to every sample is taken off. */
const RESOLUTION_MS = 5;

export const holderName = (i: number) => `load${String(i).padStart(5, '0')}`;
export const administratorName = (i: number) => `loadadmin${String(i).padStart(4, '0')}`;

const send = (reply: Reply) => process.send?.(reply);

/** Seeds with one real hash per distinct secret (seeding is not what is measured). */
async function seed(service: RunningService, start: z.infer<typeof StartMessage>): Promise<void> {
  const memo = new Map<string, Promise<string>>();
  const hasher: Hasher = {
    ...argon2Hasher,
    hash(secret) {
      const known = memo.get(secret) ?? argon2Hasher.hash(secret);
      memo.set(secret, known);
      return known;
    },
  };
  const ctx = { ...service.ctx, hasher };
  const organizationId = await seedOrganization(ctx, 'Load Regional Health', {
    // The API's second factor is not what is measured: the password check and the tokens are.
    adminTotpExempt: true,
  });
  for (let i = 0; i < start.holders; i += 1)
    await seedAccount(ctx, { organizationId, username: holderName(i), products: ['emresource'] });
  for (let i = 0; i < start.administrators; i += 1)
    await seedAdmin(ctx, { organizationId, username: administratorName(i), role: 'helpdesk' });
}

async function main(): Promise<void> {
  let service: RunningService | undefined;
  let store: Store | undefined;
  let schema: string | undefined;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let busySince: EventLoopUtilization | undefined;
  let threadSince: ReturnType<typeof mainThreadTimes>;
  let cpuSince: NodeJS.CpuUsage | undefined;
  process.on('message', (raw: unknown) => {
    void (async () => {
      const command = Command.parse(raw);
      switch (command.type) {
        case 'start': {
          schema = command.databaseUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined;
          const databaseUrl =
            schema && command.databaseUrl ? withSchema(command.databaseUrl, schema) : undefined;
          const config = loadConfig({
            DATA_DIR: command.dataDir,
            ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
            HOST: '127.0.0.1',
            PORT: '0',
            TRUST_PROXY: '1',
            LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
          });
          store = await openStore(config.databaseUrl, config.dataDir);
          service = await startService(config, { logger: true, store });
          await seed(service, command);
          send({ type: 'ready', url: service.url });
          return;
        }
        case 'lag-start':
          delay.reset();
          delay.enable();
          busySince = performance.eventLoopUtilization();
          threadSince = mainThreadTimes();
          cpuSince = process.cpuUsage();
          return;
        case 'lag-stop': {
          delay.disable();
          const thread = mainThreadTimes();
          const cpu = process.cpuUsage(cpuSince);
          const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
          send({
            type: 'lag',
            p50: ms(delay.percentile(50)),
            p99: ms(delay.percentile(99)),
            max: ms(delay.max),
            utilization: performance.eventLoopUtilization(busySince).utilization,
            mainCpuMs: thread && threadSince ? (thread.run - threadSince.run) / 1e6 : undefined,
            mainWaitMs: thread && threadSince ? (thread.wait - threadSince.wait) / 1e6 : undefined,
            processCpuMs: (cpu.user + cpu.system) / 1000,
          });
          return;
        }
        case 'close':
          await service?.close();
          if (store && schema)
            await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
          await store?.close();
          send({ type: 'closed' });
          process.disconnect();
      }
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}

function withSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}

void main();
