import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.ts';
import { ManualClock, systemClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import { MAIL_LEASE_MS } from '../../service/domain/outbox-delivery.ts';
import { queueMail, type MailKind } from '../../service/domain/outbox.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { issueResetLink } from '../../service/domain/reset-links.ts';
import { AccountSearcher } from '../../service/search/index.ts';
import { newId } from '../../service/ids.ts';
import { MailDispatcher } from '../../service/mail/dispatcher.ts';
import * as templates from '../../service/mail/templates.ts';
import { smtpTransport } from '../../service/mail/transports.ts';
import type { OutboxMessage } from '../../service/store/schema.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';
import { openTestStore } from '../support/store.ts';

// Issue 18: the mail dispatcher in real service processes (`service/cli.ts serve`), mailing a
// real SMTP server in this process that can stop a transaction at each of its steps, so a
// `kill -9` lands exactly there; then a dispatcher here, its clock past the dead one's lease,
// takes over. On the store of this file: SQLite, or PostgreSQL under `npm run test:pg`.

const DOMAIN = 'latchkey.test';
let store: Awaited<ReturnType<typeof openTestStore>>;
let catcher: SmtpCatcher;
let ctx: ServiceContext;
let organizationId: string;
let children: ServiceProcess[] = [];
let started = 0;

beforeAll(async () => {
  store = await openTestStore();
  catcher = await startSmtp();
  ctx = {
    db: store.db,
    plannedDb: store.plannedDb,
    search: new AccountSearcher(store.plannedDb, store.dialect, systemClock, 'store'),
    dialect: store.dialect,
    clock: systemClock,
    hasher: argon2Hasher,
    config: loadConfig({ DATA_DIR: store.dataDir }),
    mailQueued: () => {},
  };
  organizationId = await seedOrganization(ctx, 'Crash Test Hospital');
});

afterEach(async () => {
  await Promise.all(children.map((c) => c.kill()));
  children = [];
});

afterAll(async () => {
  await catcher?.close();
  await store?.close();
});

/** The PostgreSQL session name of the n-th child, so its connections can be told apart. */
const sessionName = (n: number) => `latchkey-crash-test-${n}`;

/** A service process on this file's store, mailing the catcher. */
async function startChild(retry = true): Promise<ServiceProcess> {
  started += 1;
  const url = store.databaseUrl ? new URL(store.databaseUrl) : undefined;
  url?.searchParams.set('application_name', sessionName(started));
  try {
    const child = await startServiceProcess(
      { databaseUrl: url?.toString(), dataDir: store.dataDir },
      { SMTP_URL: catcher.url, PUBLIC_URL: `http://${DOMAIN}`, SEARCH_INDEX: 'store' },
    );
    children.push(child);
    return child;
  } catch (error) {
    // Kysely's migrator looks at the tables of every schema in the database at start-up; on
    // PostgreSQL another test file dropping its schema at that moment fails it with `schema
    // "t_…" does not exist` (not this file's). Once more; a second failure is a real one.
    if (!retry || store.dialect !== 'postgres') throw error;
    return startChild(false);
  }
}

/**
 * Waits until nothing the last child sent the database is still running: PostgreSQL may carry
 * out a statement of a dead client (a write waiting for a lock) and only then find it gone.
 * A dead process leaves nothing behind on SQLite.
 */
async function untilChildGone(): Promise<void> {
  if (store.dialect !== 'postgres') return;
  await expect
    .poll(
      async () =>
        (
          await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where application_name = ${sessionName(started)}`.execute(store.db)
        ).rows[0]?.n,
      { timeout: 30_000, interval: 20 },
    )
    .toBe(0);
}

/** Holds the message's row (on SQLite the whole file's write lock) until `release()`. */
async function lockRow(id: string): Promise<{ release(): Promise<void> }> {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = store.db.transaction().execute(async (trx) => {
    const row = trx.selectFrom('outbox').select('id').where('id', '=', id);
    await (store.dialect === 'postgres' ? row.forUpdate() : row).execute();
    locked();
    await released;
  });
  await isLocked;
  return {
    async release() {
      release();
      await done;
    },
  };
}

type Step = 'mail-from' | 'rcpt-to' | 'data' | 'end-of-data' | 'accepted' | 'recorded';

async function row(id: string): Promise<OutboxMessage> {
  return store.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/**
 * Starts a service process and kills it (SIGKILL) when sending message `id` reaches `step`;
 * answers once nothing of it is left running.
 */
async function crashAt(step: Step, id: string): Promise<void> {
  if (step === 'mail-from' || step === 'rcpt-to') {
    const holding = catcher.holdAt(step);
    const child = await startChild();
    const held = await holding;
    await child.kill();
    held.release();
  } else if (step === 'data') {
    // The server has the message but for its final "."; the process cannot record that it is
    // about to send it (this test holds the row), so it cannot have sent the "." either.
    const holding = catcher.holdAt('rcpt-to');
    const child = await startChild();
    const held = await holding;
    const lock = await lockRow(id);
    const begun = catcher.reached('data');
    held.release();
    await begun;
    await child.kill();
    await lock.release();
  } else if (step === 'end-of-data') {
    // The final "." arrived; the server keeps the message but has not said 250 yet.
    const holding = catcher.holdAt('end-of-data');
    const child = await startChild();
    const held = await holding;
    await child.kill();
    held.release();
  } else if (step === 'accepted') {
    // The server said 250; the process cannot record it (this test holds the row).
    const holding = catcher.holdAt('end-of-data');
    const child = await startChild();
    const held = await holding;
    const lock = await lockRow(id);
    const accepted = catcher.reached('accepted');
    held.release();
    await accepted;
    await child.kill();
    await lock.release();
  } else {
    const child = await startChild();
    await expect.poll(async () => (await row(id)).status, { timeout: 30_000 }).toBe('sent');
    await child.kill();
  }
  await untilChildGone();
}

/** A dispatcher in this process whose clock is past the dead process's lease. */
async function takeOver(): Promise<void> {
  const later = { ...ctx, clock: new ManualClock(Date.now() + MAIL_LEASE_MS + 60_000) };
  const dispatcher = new MailDispatcher(later, {
    transport: smtpTransport(catcher.url),
    from: 'Latchkey <no-reply@latchkey.test>',
    messageIdDomain: DOMAIN,
  });
  try {
    await dispatcher.drain();
  } finally {
    await dispatcher.stop();
  }
}

type Message =
  'a live reset link' | 'a reset link that died meanwhile' | 'a password-changed notice';

/** Queues the message for a fresh account; answers its id and what kills the link (if any). */
async function queueMessage(message: Message) {
  const username = `crash${newId().slice(0, 8)}`;
  const accountId = await seedAccount(ctx, { organizationId, username });
  const account = await store.db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const to = account.email;
  if (message === 'a password-changed notice') {
    const content = templates.passwordChangedMail({
      username,
      at: Date.now(),
      how: 'password change',
      products: ['EMResource'],
      contact: 'the help desk',
      shared: false,
    });
    const kind: MailKind = 'password_changed';
    return {
      id: await queueMail(store.db, systemClock, { kind, to, accountId, content }),
      kill() {},
    };
  }
  const link = await issueResetLink(store.db, systemClock, account, 'reset', to, 3_600_000);
  const content = templates.passwordResetMail(
    username,
    `http://${DOMAIN}/reset/${link.token}`,
    link.expiresAt,
    ['EMResource'],
  );
  const id = await queueMail(store.db, systemClock, {
    kind: 'password_reset',
    to,
    accountId,
    content,
    expiresAt: link.expiresAt,
  });
  // A newer link (another reset asked for) supersedes this one.
  const kill = () => issueResetLink(store.db, systemClock, account, 'reset', to, 3_600_000);
  return { id, kill };
}

/**
 * What a crash at each step leaves, and what the process that takes over then does. A copy can
 * be doubled only between the final "." and the record of the 250, and then only while the
 * message is still worth sending (a live link, a notice), never once recorded as sent.
 */
const cases: Array<{
  step: Step;
  at: string;
  /** The message's state right after the crash; the second, on PostgreSQL only, see below. */
  left: string[];
  message: Message;
  copies: number;
  status: string;
}> = [
  {
    step: 'mail-from',
    at: 'MAIL FROM sent, no answer yet',
    left: ['sending'],
    message: 'a live reset link',
    copies: 1,
    status: 'sent',
  },
  {
    step: 'rcpt-to',
    at: 'RCPT TO sent, no answer yet',
    left: ['sending'],
    message: 'a live reset link',
    copies: 1,
    status: 'sent',
  },
  {
    step: 'data',
    at: 'the message sent but for its final "."',
    // PostgreSQL may still carry out the dead process's "about to send" write: in doubt, but
    // a live link is sent once more, and the server never had the first.
    left: ['sending', 'unconfirmed'],
    message: 'a live reset link',
    copies: 1,
    status: 'sent',
  },
  {
    step: 'end-of-data',
    at: 'the final "." sent, no 250 yet',
    left: ['unconfirmed'],
    message: 'a live reset link',
    copies: 2,
    status: 'sent',
  },
  {
    step: 'end-of-data',
    at: 'the final "." sent, no 250 yet',
    left: ['unconfirmed'],
    message: 'a reset link that died meanwhile',
    copies: 1,
    status: 'dropped',
  },
  {
    step: 'accepted',
    at: 'the 250 received, not yet recorded',
    left: ['unconfirmed'],
    message: 'a password-changed notice',
    copies: 2,
    status: 'sent',
  },
  {
    step: 'accepted',
    at: 'the 250 received, not yet recorded',
    left: ['unconfirmed'],
    message: 'a reset link that died meanwhile',
    copies: 1,
    status: 'dropped',
  },
  {
    step: 'recorded',
    at: 'recorded as sent',
    left: ['sent'],
    message: 'a live reset link',
    copies: 1,
    status: 'sent',
  },
];

const copiesOf = (id: string) =>
  catcher.messages.filter((m) => m.messageId === `<${id}@${DOMAIN}>`).length;

describe('kill -9 at each step of sending one email (issue 18)', () => {
  for (const { step, at, left, message, copies, status } of cases) {
    it(`R83: killed at "${at}" with ${message}: ${copies === 1 ? 'one copy' : 'two copies, one Message-ID,'} at the server, then ${status}`, async () => {
      const { id, kill } = await queueMessage(message);
      await crashAt(step, id);
      expect(left).toContain((await row(id)).status);
      if (message === 'a reset link that died meanwhile') await kill();
      await takeOver();

      expect(copiesOf(id)).toBe(copies);
      expect(await row(id)).toMatchObject({ status, lease_until: null });
      // A message recorded as sent (or dropped) is never sent again, by any process.
      await takeOver();
      expect(copiesOf(id)).toBe(copies);
      if (status === 'dropped') {
        const dropped = await store.db
          .selectFrom('audit_events')
          .select('detail')
          .where('type', '=', 'mail_dropped')
          .execute();
        expect(dropped.map((e) => JSON.parse(e.detail) as unknown)).toContainEqual(
          expect.objectContaining({ mailId: id, reason: 'in_doubt' }),
        );
      }
    }, 120_000);
  }
});

describe('two service processes on one queue (issue 18)', () => {
  it('R83: two processes work one backlog off together: every request processed once, every email sent once', async () => {
    const people: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const username = `pair${i}.${newId().slice(0, 6)}`;
      await seedAccount(ctx, { organizationId, username });
      people.push(username);
    }
    const now = Date.now();
    const request = (identifier: string, i: number) => ({
      id: newId(),
      kind: 'password' as const,
      identifier,
      ip: `203.0.113.${i % 250}`,
      created_at: now + i,
      attempts: 0,
      lease_until: null,
      processed_at: null,
    });
    const rows = Array.from({ length: 2000 }, (_, i) => request(`nobody${i}@nowhere.example`, i));
    // The real requests spread through the backlog, as they come during a flood.
    people.forEach((username, k) => rows.splice(k * 200 + 100, 0, request(username, k * 200)));
    for (let i = 0; i < rows.length; i += 500)
      await store.db
        .insertInto('recovery_requests')
        .values(rows.slice(i, i + 500))
        .execute();

    await Promise.all([startChild(), startChild()]);
    const waiting = async () =>
      (
        await store.db
          .selectFrom('recovery_requests')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('processed_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n;
    await expect.poll(async () => Number(await waiting()), { timeout: 120_000 }).toBe(0);
    const addresses = people.map((p) => `${p}@example.org`);
    const arrived = () => catcher.messages.filter((m) => addresses.includes(m.to[0] ?? ''));
    await expect.poll(() => arrived().length, { timeout: 60_000 }).toBeGreaterThanOrEqual(10);

    const events = await store.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'reset_requested')
      .where('at', '>=', now)
      .execute();
    const outcomes = events.map((e) => (JSON.parse(e.detail) as { outcome: string }).outcome);
    expect(outcomes.filter((o) => o === 'unknown_account')).toHaveLength(2000);
    expect(outcomes.filter((o) => o === 'link')).toHaveLength(10);
    expect(
      arrived()
        .map((m) => m.to[0])
        .sort(),
    ).toEqual([...addresses].sort());
    expect(new Set(arrived().map((m) => m.messageId)).size).toBe(10);
  }, 180_000);
});
