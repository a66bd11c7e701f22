/**
 * The account service for bench:service's throughput runs, in a process of its own (forked by
 * scripts/sign-in-throughput.ts), so the load's client and the service share no event loop.
 * It starts as `serve` does (request logging at LOG_LEVEL, default info, behind a trusted
 * proxy), seeds the bench's accounts, and answers its parent over IPC with what each load cost
 * it (load-probe.ts). Not a test and not part of the service.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { loadConfig } from '../service/config.ts';
import { argon2Hasher, type Hasher } from '../service/domain/passwords.ts';
import { startService, type RunningService } from '../service/server.ts';
import { openStore, type Store } from '../service/store/database.ts';
import { seedAccount, seedOrganization } from '../test/support/accounts.ts';
import { seedAdmin } from '../test/support/admin.ts';
import { LoadProbe, type LoadReport } from './load-probe.ts';

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

/** A LoadReport over IPC. */
export type LoopReport = LoadReport & { type: 'lag' };

export type Reply = { type: 'ready'; url: string } | LoopReport | { type: 'closed' };

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

/** The running service, its store, and the probe that measures it under each load. */
interface Running {
  service: RunningService;
  store: Store;
  schema: string | undefined;
  probe: LoadProbe;
}

async function start(command: z.infer<typeof StartMessage>): Promise<Running> {
  const schema = command.databaseUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  // Names this process's PostgreSQL connections, so the probe can find their backends.
  const applicationName = `latchkey-bench-${process.pid}`;
  const databaseUrl =
    schema && command.databaseUrl
      ? withParams(command.databaseUrl, { schema, application_name: applicationName })
      : undefined;
  const config = loadConfig({
    DATA_DIR: command.dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    HOST: '127.0.0.1',
    PORT: '0',
    TRUST_PROXY: '1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  const store = await openStore(config.databaseUrl, config.dataDir);
  const service = await startService(config, { logger: true, store });
  await seed(service, command);
  const probe = new LoadProbe(databaseUrl ? { db: store.db, applicationName } : undefined);
  return { service, store, schema, probe };
}

async function close(running: Running | undefined): Promise<void> {
  if (!running) return;
  await running.service.close();
  if (running.schema)
    await sql`drop schema if exists ${sql.id(running.schema)} cascade`.execute(running.store.db);
  await running.store.close();
}

async function main(): Promise<void> {
  let running: Running | undefined;
  process.on('message', (raw: unknown) => {
    void (async () => {
      const command = Command.parse(raw);
      switch (command.type) {
        case 'start':
          running = await start(command);
          send({ type: 'ready', url: running.service.url });
          return;
        case 'lag-start':
          await running?.probe.start();
          return;
        case 'lag-stop':
          if (running) send({ type: 'lag', ...(await running.probe.stop()) });
          return;
        case 'close':
          await close(running);
          send({ type: 'closed' });
          process.disconnect();
      }
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}

function withParams(databaseUrl: string, params: Record<string, string>): string {
  const url = new URL(databaseUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

void main();
