import { randomBytes } from 'node:crypto';
import { systemClock } from '../../service/clock.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher, type Hasher } from '../../service/domain/passwords.ts';
import { newId } from '../../service/ids.ts';
import type { Store } from '../../service/store/database.ts';
import { seedAccount, seedOrganization } from '../../test/support/accounts.ts';
import type { SmtpCatcher } from '../../test/support/smtp.ts';
import { startServiceProcess, type ServiceProcess } from '../service-process.ts';
import { FormClient } from './form-client.ts';
import type { StoreUnderTest } from './stores.ts';

export interface FloodPlan {
  processes: number;
  /** Requests for unknown identifiers, in the flood and in the backlog alike. */
  flood: number;
  /** Real resets in each phase. */
  genuine: number;
  /** Requests in flight at once, over all processes. */
  concurrency: number;
  /** How long to wait for a phase's emails and for its queue to empty. */
  waitMs: number;
}

/** One phase: the real resets' delivery times (ms), and how long until nothing waited. */
export interface PhaseResult {
  times: number[];
  /** Real resets whose email had not arrived when the wait ended. */
  missing: number;
  /** From the phase's start until no request and no message waited (NaN: not within the wait). */
  drainedMs: number;
  /** The most requests and messages waiting at one time, as polled. */
  peakQueued: number;
}

export interface FloodResult {
  /** The real resets alone, nothing else queued: the baseline. */
  quiet: PhaseResult;
  /** The flood's requests already queued, all ahead of the real resets: the dispatchers' speed. */
  backlog: PhaseResult;
  /** The real resets asked during the flood over HTTP. */
  flood: PhaseResult & { sendMs: number; otherReplies: number };
}

type Phase = 'quiet' | 'backlog' | 'flood';
const PHASES: Phase[] = ['quiet', 'backlog', 'flood'];

/** Every person asks for a reset once, from an address of their own, so no limit is reached. */
const genuineName = (phase: Phase, i: number) => `${phase}-${String(i).padStart(3, '0')}`;
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
  for (const phase of PHASES)
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
    .where('status', 'in', ['queued', 'sending', 'unconfirmed'])
    .executeTakeFirstOrThrow();
  return Number(requests.n) + Number(mail.n);
}

/** Polls the queues from now on; `result()` once `settled()` says the phase sent everything. */
function watchQueues(store: Store, startedAt: number, waitMs: number, sent: () => boolean) {
  let peakQueued = 0;
  let drainedMs = NaN;
  const done = (async () => {
    for (;;) {
      const queued = await waiting(store);
      peakQueued = Math.max(peakQueued, queued);
      if (sent() && queued === 0) return void (drainedMs = Date.now() - startedAt);
      if (Date.now() > startedAt + waitMs) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    await done;
    return { peakQueued, drainedMs };
  };
}

/** Waits for one email per name; answers each one's delivery time after its `sentAt`. */
async function deliveries(smtp: SmtpCatcher, sentAt: Map<string, number>, deadline: number) {
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

interface Session {
  store: Store;
  smtp: SmtpCatcher;
  plan: FloodPlan;
  ask(i: number, identifier: string, address: string): Promise<void>;
  otherReplies: number;
}

async function quietPhase(s: Session): Promise<PhaseResult> {
  const started = Date.now();
  const sentAt = new Map<string, number>();
  const queues = watchQueues(s.store, started, s.plan.waitMs, () => true);
  await Promise.all(
    Array.from({ length: s.plan.genuine }, (_, i) => {
      sentAt.set(genuineName('quiet', i), Date.now());
      return s.ask(i, genuineName('quiet', i), `192.0.2.${i + 1}`);
    }),
  );
  const mail = await deliveries(s.smtp, sentAt, started + s.plan.waitMs);
  return { ...mail, ...(await queues()) };
}

/**
 * The flood's requests written straight into the queue in one transaction, as the pages would
 * have, with the real resets behind all of them: what the dispatchers face after a flood
 * outran them, or after they were down. Times count from the commit.
 */
async function backlogPhase(s: Session): Promise<PhaseResult> {
  const rows = (identifier: string, ip: string, createdAt: number) => ({
    id: newId(),
    kind: 'password' as const,
    identifier,
    ip,
    created_at: createdAt,
    attempts: 0,
    lease_until: null,
    processed_at: null,
  });
  const at = Date.now();
  const queued = [
    ...Array.from({ length: s.plan.flood }, (_, i) =>
      rows(floodIdentifier(i), floodAddress(i), at),
    ),
    ...Array.from({ length: s.plan.genuine }, (_, i) =>
      rows(genuineName('backlog', i), `192.0.2.${51 + i}`, at + 1),
    ),
  ];
  await s.store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < queued.length; i += 500)
      await trx
        .insertInto('recovery_requests')
        .values(queued.slice(i, i + 500))
        .execute();
  });
  const started = Date.now();
  const queues = watchQueues(s.store, started, s.plan.waitMs, () => true);
  const sentAt = new Map(
    Array.from({ length: s.plan.genuine }, (_, i) => [genuineName('backlog', i), started]),
  );
  const mail = await deliveries(s.smtp, sentAt, started + s.plan.waitMs);
  return { ...mail, ...(await queues()) };
}

/** The flood over HTTP, with the real resets spread through it, the last at its end. */
async function floodPhase(s: Session): Promise<FloodResult['flood']> {
  const { plan } = s;
  const total = plan.flood + plan.genuine;
  const genuineAt = new Map<number, number>();
  for (let k = 0; k < plan.genuine; k += 1)
    genuineAt.set(Math.floor(((k + 1) * total) / plan.genuine) - 1, k);
  const sentAt = new Map<string, number>();
  const started = Date.now();
  let floodSent = false;
  const queues = watchQueues(s.store, started, plan.waitMs * 2, () => floodSent);
  let next = 0;
  let floodIndex = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const k = genuineAt.get(i);
      if (k === undefined) {
        const f = plan.flood + floodIndex++; // not the backlog's identifiers
        await s.ask(i, floodIdentifier(f), floodAddress(f));
      } else {
        sentAt.set(genuineName('flood', k), Date.now());
        await s.ask(i, genuineName('flood', k), `192.0.2.${101 + k}`);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const sendMs = Date.now() - started;
  floodSent = true;
  const mail = await deliveries(s.smtp, sentAt, Date.now() + plan.waitMs);
  return { ...mail, ...(await queues()), sendMs, otherReplies: s.otherReplies };
}

/**
 * One run on a fresh store with `processes` service processes mailing through `smtp`: the
 * quiet baseline, then the backlog, then the flood, each after the one before was worked off.
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
    const session: Session = {
      store,
      smtp,
      plan,
      otherReplies: 0,
      async ask(i, identifier, address) {
        const client = clients[i % clients.length] as FormClient;
        const reply = await client.post('/forgot-password', { identifier }, address);
        if (reply.status !== 303 || reply.location !== '/forgot-password/sent')
          session.otherReplies += 1;
      },
    };
    log(`  ${plan.genuine} resets with nothing else queued (the baseline)…`);
    const quiet = await quietPhase(session);
    log(`  ${plan.flood} unknown identifiers already queued ahead of ${plan.genuine} resets…`);
    const backlog = await backlogPhase(session);
    log(`  ${plan.flood} unknown identifiers over HTTP with ${plan.genuine} resets among them…`);
    const flood = await floodPhase(session);
    return { quiet, backlog, flood };
  } finally {
    for (const client of clients) client.close();
    await Promise.all(services.map((s) => s.close()));
    await target.discard(store, dataDir);
  }
}
