import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { systemClock } from '../../service/clock.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher, type Hasher } from '../../service/domain/passwords.ts';
import { openStore, type Store } from '../../service/store/database.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';
import { seedAccount, seedOrganization } from '../../test/support/accounts.ts';
import type { SmtpCatcher } from '../../test/support/smtp.ts';
import { startServiceProcess, type ServiceProcess } from '../service-process.ts';
import { FormClient } from './form-client.ts';

/** One store the benchmark can run on. */
export interface StoreUnderTest {
  name: string;
  /** A fresh, migrated, empty store, its URL for the service processes, and a DATA_DIR. */
  open(): Promise<{ store: Store; databaseUrl: string | undefined; dataDir: string }>;
  discard(store: Store, dataDir: string): Promise<void>;
}

export function sqliteStore(): StoreUnderTest {
  return {
    name: 'SQLite',
    async open() {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-flood-'));
      const store = await openStore(undefined, dataDir);
      await migrateToLatest(store);
      return { store, databaseUrl: undefined, dataDir };
    },
    async discard(store, dataDir) {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function postgresStore(databaseUrl: string): StoreUnderTest {
  const schema = `flood_${randomBytes(6).toString('hex')}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return {
    name: 'PostgreSQL',
    async open() {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-flood-'));
      const store = await openStore(url.toString(), dataDir);
      await migrateToLatest(store);
      return { store, databaseUrl: url.toString(), dataDir };
    },
    async discard(store, dataDir) {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
      } finally {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export interface FloodPlan {
  processes: number;
  flood: number;
  genuine: number;
  /** Requests in flight at once, over all processes. */
  concurrency: number;
  /** How long to wait for the genuine emails after the flood was sent. */
  waitMs: number;
}

/** What one run measured (milliseconds, but for counts). */
export interface FloodResult {
  /** Delivery times of the genuine resets requested alone, before the flood (the baseline). */
  quiet: number[];
  /** Delivery times of the genuine resets requested during the flood. */
  genuine: number[];
  /** Genuine resets whose email had not arrived when the wait ended. */
  missing: number;
  floodMs: number;
  /** Replies other than the information page (there should be none). */
  otherReplies: number;
  /** The most requests waiting at one time, as polled. */
  peakQueued: number;
  /** From the flood's start until no request and no message was waiting (NaN: not within the wait). */
  drainedMs: number;
}

/** Every person asked for a reset once, from an address of their own, so no limit is reached. */
const genuineName = (phase: string, i: number) => `${phase}-${String(i).padStart(3, '0')}`;
/** A flood request: an identifier no account has, from one of many client addresses. */
const floodIdentifier = (i: number) =>
  i % 2 ? `nobody.${i}.${randomBytes(3).toString('hex')}` : `nobody${i}@flood.example`;
const floodAddress = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function seed(store: Store, genuine: number): Promise<void> {
  const memo = new Map<string, Promise<string>>();
  const hasher: Hasher = {
    ...argon2Hasher,
    hash(secret) {
      const known = memo.get(secret) ?? argon2Hasher.hash(secret);
      memo.set(secret, known);
      return known;
    },
  };
  const ctx = { db: store.db, clock: systemClock, hasher } as unknown as ServiceContext;
  const organizationId = await seedOrganization(ctx, 'Flood Regional Health');
  for (const phase of ['quiet', 'genuine'])
    for (let i = 0; i < genuine; i += 1)
      await seedAccount(ctx, { organizationId, username: genuineName(phase, i) });
}

async function waiting(store: Store): Promise<number> {
  const requests = await store.db
    .selectFrom('recovery_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('processed_at', 'is', null)
    .executeTakeFirstOrThrow();
  const mail = await store.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(requests.n) + Number(mail.n);
}

/** Waits for one email per name; answers each one's delivery time after `sentAt`. */
async function deliveries(
  smtp: SmtpCatcher,
  sentAt: Map<string, number>,
  deadline: number,
): Promise<{ times: number[]; missing: number }> {
  const times = new Map<string, number>();
  while (times.size < sentAt.size && Date.now() < deadline) {
    for (const mail of smtp.messages) {
      const name = mail.to[0]?.split('@')[0] ?? '';
      const sent = sentAt.get(name);
      if (sent !== undefined && !times.has(name)) times.set(name, mail.receivedAt - sent);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { times: [...times.values()], missing: sentAt.size - times.size };
}

/**
 * One run: a fresh store, `processes` service processes mailing through `smtp`, first the quiet
 * baseline, then the flood with the genuine resets spread through it, the last at its end.
 */
export async function runFlood(
  target: StoreUnderTest,
  smtp: SmtpCatcher,
  plan: FloodPlan,
  log: (line: string) => void,
): Promise<FloodResult> {
  smtp.clear();
  const { store, databaseUrl, dataDir } = await target.open();
  const services: ServiceProcess[] = [];
  const clients: FormClient[] = [];
  try {
    await seed(store, plan.genuine);
    const env = {
      SMTP_URL: smtp.url,
      TRUST_PROXY: '1',
      SEARCH_INDEX: 'store',
      CSRF_SECRET: 'every process of the flood benchmark shares this',
      AUDIT_KEY: randomBytes(32).toString('base64'),
    };
    for (let i = 0; i < plan.processes; i += 1)
      services.push(await startServiceProcess({ databaseUrl, dataDir }, env));
    for (const service of services) {
      const client = new FormClient(new URL(service.url), plan.concurrency);
      await client.start();
      clients.push(client);
    }
    const clientFor = (i: number) => clients[i % clients.length] as FormClient;
    let otherReplies = 0;
    const ask = async (i: number, identifier: string, address: string) => {
      const reply = await clientFor(i).post('/forgot-password', { identifier }, address);
      if (reply.status !== 303 || reply.location !== '/forgot-password/sent') otherReplies += 1;
    };

    log(`  ${plan.genuine} resets with nothing else queued (the baseline)…`);
    const quietSent = new Map<string, number>();
    await Promise.all(
      Array.from({ length: plan.genuine }, (_, i) => {
        quietSent.set(genuineName('quiet', i), Date.now());
        return ask(i, genuineName('quiet', i), `192.0.2.${i + 1}`);
      }),
    );
    const quiet = await deliveries(smtp, quietSent, Date.now() + plan.waitMs);

    log(`  ${plan.flood} unknown identifiers with ${plan.genuine} resets among them…`);
    const total = plan.flood + plan.genuine;
    const genuineAt = new Map<number, number>();
    for (let k = 0; k < plan.genuine; k += 1)
      genuineAt.set(Math.floor(((k + 1) * total) / plan.genuine) - 1, k);
    const genuineSent = new Map<string, number>();
    let peakQueued = 0;
    let floodDone = false;
    let drainedMs = NaN;
    const started = Date.now();
    const watcher = (async () => {
      for (;;) {
        const queued = await waiting(store);
        peakQueued = Math.max(peakQueued, queued);
        if (floodDone && queued === 0) return void (drainedMs = Date.now() - started);
        if (Date.now() > started + plan.waitMs * 2) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    let next = 0;
    let floodIndex = 0;
    const worker = async () => {
      for (let i = next++; i < total; i = next++) {
        const k = genuineAt.get(i);
        if (k === undefined) {
          const f = floodIndex++;
          await ask(i, floodIdentifier(f), floodAddress(f));
        } else {
          genuineSent.set(genuineName('genuine', k), Date.now());
          await ask(i, genuineName('genuine', k), `192.0.2.${101 + k}`);
        }
      }
    };
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
    const floodMs = Date.now() - started;
    floodDone = true;
    const during = await deliveries(smtp, genuineSent, Date.now() + plan.waitMs);
    await watcher;
    return {
      quiet: quiet.times,
      genuine: during.times,
      missing: during.missing + quiet.missing,
      floodMs,
      otherReplies,
      peakQueued,
      drainedMs,
    };
  } finally {
    for (const client of clients) client.close();
    await Promise.all(services.map((s) => s.close()));
    await target.discard(store, dataDir);
  }
}
