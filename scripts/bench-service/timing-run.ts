import { performance } from 'node:perf_hooks';
import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import { argon2Hasher, type Hasher } from '../../service/domain/passwords.ts';
import { startService, type RunningService } from '../../service/server.ts';
import { seedAccount, seedOrganization } from '../../test/support/accounts.ts';
import { KeepAliveClient } from './keep-alive-client.ts';
import { ACCOUNTS, measure, REQUESTS_PER_KIND, WARMUP_ROUNDS, type Kind } from './rounds.ts';
import type { StoreUnderTest } from './stores.ts';

const log = (message: string) => process.stderr.write(`${message}\n`);

export interface RunResult {
  name: string;
  /** Milliseconds per kind, index i = round i (so kinds pair up by round). */
  samples: Map<Kind, number[]>;
  seconds: number;
}

/**
 * Seeds the accounts. Every account has the same password and answer, so each is hashed once
 * (real argon2id, real salt) and the PHC string reused: seeding is not what is measured.
 */
async function seed(service: RunningService): Promise<void> {
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
  const organizationId = await seedOrganization(ctx, 'Bench Regional Health');
  for (let n = 0; n < ACCOUNTS; n += 1) {
    await seedAccount(ctx, { organizationId, username: `bench${String(n).padStart(4, '0')}` });
  }
}

export async function run(target: StoreUnderTest, deadline: number): Promise<RunResult> {
  const started = performance.now();
  const { store, dataDir } = await target.open();
  try {
    const clock = new ManualClock(Date.now());
    const config = loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const service = await startService(config, { store, clock, mailPollMs: 50 });
    const client = new KeepAliveClient(new URL(service.url));
    try {
      log(`${target.name}: seeding ${ACCOUNTS} accounts…`);
      await seed(service);
      await client.start();
      log(`${target.name}: warming up, then ${REQUESTS_PER_KIND} rounds of every kind…`);
      await measure(client, clock, WARMUP_ROUNDS, ACCOUNTS - WARMUP_ROUNDS, Infinity);
      const samples = await measure(client, clock, REQUESTS_PER_KIND, 0, deadline);
      await expectEveryResetIssued(service, (samples.get('hash')?.length ?? 0) + WARMUP_ROUNDS);
      return { name: target.name, samples, seconds: (performance.now() - started) / 1000 };
    } finally {
      client.close();
      await service.close();
    }
  } finally {
    await target.discard(store, dataDir);
  }
}

/** Proof that every known-account reset did the full work (none was dropped by a rate limit). */
async function expectEveryResetIssued(service: RunningService, expected: number): Promise<void> {
  // The pages only queue the requests (R5); the dispatcher does the work.
  await service.dispatcher.drain();
  const issued = await service.ctx.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'password_reset')
    .executeTakeFirstOrThrow();
  if (Number(issued.n) !== expected) {
    throw new Error(`expected ${expected} reset emails in the outbox, found ${issued.n}`);
  }
}
