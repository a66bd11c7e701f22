import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import type { Db, OutboxMessage } from '../../service/store/schema.ts';
import { queueMail, type QueuedMail } from '../../service/domain/outbox.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import {
  claimDueMail,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
} from '../../service/domain/outbox-delivery.ts';
import { MailDispatcher } from '../../service/mail/dispatcher.ts';
import * as templates from '../../service/mail/templates.ts';
import {
  emlFolderTransport,
  smtpTransport,
  type MailTransport,
} from '../../service/mail/transports.ts';
import { linksIn, startSmtp, type SmtpCatcher } from '../support/smtp.ts';
import { clearAuditLog } from '../support/audit-tamper.ts';
import { openTestStore } from '../support/store.ts';
import { AccountSearcher } from '../../service/search/index.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MESSAGE_ID_DOMAIN = 'latchkey.test';
/** The longest retry delay with its jitter: advancing this far makes any queued message due. */
const LONGEST_RETRY_MS = 2 * HOUR;

let store: Awaited<ReturnType<typeof openTestStore>>;
let catcher: SmtpCatcher;
let clock: ManualClock;
let ctx: ServiceContext;
let dispatchers: MailDispatcher[] = [];

beforeAll(async () => {
  store = await openTestStore();
  catcher = await startSmtp();
});

afterAll(async () => {
  await catcher?.close();
  await store?.close();
});

beforeEach(async () => {
  await catcher.restart();
  catcher.setFailing(false);
  catcher.clear();
  await store.db.deleteFrom('outbox').execute();
  await clearAuditLog(store.db);
  clock = new ManualClock();
  ctx = {
    db: store.db,
    plannedDb: store.plannedDb,
    search: new AccountSearcher(store.plannedDb, store.dialect, systemClock, 'store'),
    dialect: store.dialect,
    clock,
    hasher: argon2Hasher,
    config: loadConfig({ DATA_DIR: store.dataDir }),
    mailQueued: () => {},
  };
});

afterEach(async () => {
  await Promise.all(dispatchers.map((d) => d.stop()));
  dispatchers = [];
});

type LogLine = { message: string; fields: Record<string, unknown> };

/** A dispatcher on the test store, stopped (and its transport closed) after the test. */
function newDispatcher(transport: MailTransport = smtpTransport(catcher.url), logs?: LogLine[]) {
  const dispatcher = new MailDispatcher(ctx, {
    transport,
    from: 'Latchkey <no-reply@latchkey.test>',
    messageIdDomain: MESSAGE_ID_DOMAIN,
    ...(logs ? { log: (message, fields) => logs.push({ message, fields }) } : {}),
  });
  dispatchers.push(dispatcher);
  return dispatcher;
}

/** Wraps a transport to keep the Message-ID handed over on every attempt. */
function recording(inner: MailTransport): MailTransport & { ids: string[] } {
  const ids: string[] = [];
  return {
    name: inner.name,
    ids,
    send(mail) {
      ids.push(mail.messageId);
      return inner.send(mail);
    },
    close: () => inner.close(),
  };
}

let sequence = 0;
function resetMail(overrides: Partial<QueuedMail> = {}): QueuedMail {
  sequence += 1;
  const username = `user${sequence}`;
  return {
    kind: 'password_reset',
    to: `${username}@example.test`,
    accountId: null,
    content: templates.passwordResetMail(
      username,
      `https://login.example.test/reset/token-${sequence}`,
      clock.now() + HOUR,
      ['Atlas'],
    ),
    ...overrides,
  };
}

const queue = (mail: QueuedMail = resetMail(), db: Db = ctx.db) => queueMail(db, clock, mail);
const messageIdOf = (id: string) => `<${id}@${MESSAGE_ID_DOMAIN}>`;

async function row(id: string): Promise<OutboxMessage> {
  return ctx.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function auditEvents(type: string): Promise<Array<Record<string, unknown>>> {
  const rows = await ctx.db
    .selectFrom('audit_events')
    .select('detail')
    .where('type', '=', type)
    .execute();
  return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

/** Moves the clock to the moment the message's next attempt is due. */
async function advanceToRetry(id: string): Promise<void> {
  clock.advance((await row(id)).next_attempt_at - clock.now());
}

describe('the transactional outbox (R81)', () => {
  it('R81: a message queued in a transaction that rolls back is never sent', async () => {
    const dispatcher = newDispatcher();
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await queue(resetMail(), trx);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    expect(await dispatcher.drain()).toBe(0);
    clock.advance(LONGEST_RETRY_MS);
    expect(await dispatcher.drain()).toBe(0);
    expect(await ctx.db.selectFrom('outbox').selectAll().execute()).toEqual([]);
    expect(catcher.messages).toEqual([]);
  });

  it('R81: a message queued in a transaction that commits is sent exactly once', async () => {
    const dispatcher = newDispatcher();
    const mail = resetMail();
    const id = await ctx.db.transaction().execute((trx) => queue(mail, trx));

    expect(await dispatcher.drain()).toBe(1);
    expect(await dispatcher.drain()).toBe(0);
    clock.advance(LONGEST_RETRY_MS);
    expect(await dispatcher.drain()).toBe(0);

    expect(catcher.messages).toHaveLength(1);
    const caught = catcher.messages[0]!;
    expect(caught).toMatchObject({
      messageId: messageIdOf(id),
      from: 'no-reply@latchkey.test',
      to: [mail.to],
      subject: mail.content.subject,
    });
    expect(linksIn(caught.text)).toContain(`https://login.example.test/reset/token-${sequence}`);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, lease_until: null });
    expect(await auditEvents('mail_sent')).toEqual([
      expect.objectContaining({ mailId: id, kind: 'password_reset' }),
    ]);
  });

  it('R81/R83: a message claimed by a dispatcher that stalls is sent once by another after the lease ends', async () => {
    let failStalledSend: (error: Error) => void = () => {};
    const stalled = newDispatcher({
      name: 'stalled',
      send: () => new Promise<void>((_resolve, reject) => (failStalledSend = reject)),
      close: () => {},
    });
    const healthy = newDispatcher();
    const id = await queue();

    const stalledPass = stalled.drain();
    try {
      await expect.poll(async () => (await row(id)).lease_until).not.toBeNull();
      expect(await healthy.drain()).toBe(0); // leased: left alone
      expect(catcher.messages).toEqual([]);

      clock.advance(10 * MINUTE);
      expect(await healthy.drain()).toBe(1);
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    } finally {
      // The stalled attempt finally fails: that must not put a sent message back in the queue.
      failStalledSend(new Error('connection reset'));
    }
    expect(await stalledPass).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    clock.advance(LONGEST_RETRY_MS);
    expect(await healthy.drain()).toBe(0);
    expect(catcher.messages.map((m) => m.messageId)).toEqual([messageIdOf(id)]);
  });
});

describe('retries with backoff (R82, R6)', () => {
  it('R82/R6: with the SMTP server down, mail waits and is delivered after it returns', async () => {
    const logs: LogLine[] = [];
    const transport = recording(smtpTransport(catcher.url));
    const dispatcher = newDispatcher(transport, logs);
    await catcher.stop();
    const id = await queue();

    expect(await dispatcher.drain()).toBe(1);
    const waiting = await row(id);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, lease_until: null });
    expect(waiting.last_error).toMatch(/ECONNREFUSED|connect/i);
    // Issue 2: the first retry comes within 30 s.
    expect(waiting.next_attempt_at).toBeGreaterThan(clock.now());
    expect(waiting.next_attempt_at).toBeLessThanOrEqual(clock.now() + 30_000);
    expect(logs).toEqual([
      {
        message: 'mail delivery failed',
        fields: expect.objectContaining({ mailId: id, attempts: 1, giveUp: false }),
      },
    ]);

    await catcher.restart();
    expect(await dispatcher.drain()).toBe(0); // not due yet
    clock.advance(30_000);
    expect(await dispatcher.drain()).toBe(1);

    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(catcher.messages.map((m) => m.messageId)).toEqual([messageIdOf(id)]);
    expect(transport.ids).toEqual([messageIdOf(id), messageIdOf(id)]);
  });

  it('R82: a server that refuses twice and then accepts gets three attempts and one mail, under one Message-ID', async () => {
    const transport = recording(smtpTransport(catcher.url));
    const dispatcher = newDispatcher(transport);
    catcher.setFailing(true);
    const id = await queue();

    expect(await dispatcher.drain()).toBe(1);
    expect((await row(id)).last_error).toMatch(/451/);
    await advanceToRetry(id);
    expect(await dispatcher.drain()).toBe(1);
    catcher.setFailing(false);
    await advanceToRetry(id);
    expect(await dispatcher.drain()).toBe(1);

    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(catcher.messages.map((m) => m.messageId)).toEqual([messageIdOf(id)]);
    expect(transport.ids).toEqual([messageIdOf(id), messageIdOf(id), messageIdOf(id)]);
  });

  it('R82: a server that always answers 451 leaves the message failed after MAX_ATTEMPTS, with an alert, and sends nothing', async () => {
    const logs: LogLine[] = [];
    const dispatcher = newDispatcher(smtpTransport(catcher.url), logs);
    catcher.setFailing(true);
    const id = await queue();

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      expect(await dispatcher.drain()).toBe(1);
      const current = await row(id);
      expect(current.attempts).toBe(attempt);
      if (attempt === MAX_ATTEMPTS) break;
      expect(current.status).toBe('queued');
      // Backoff with jitter: at least the planned delay, at most 20 % more.
      const base = RETRY_DELAYS_MS[attempt - 1]!;
      const delay = current.next_attempt_at - clock.now();
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(base * 1.2);
      clock.advance(delay - 1);
      expect(await dispatcher.drain()).toBe(0);
      clock.advance(1);
    }

    expect(await row(id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect((await row(id)).last_error).toMatch(/451/);
    expect(await auditEvents('mail_failed')).toEqual([
      expect.objectContaining({ mailId: id, attempts: MAX_ATTEMPTS }),
    ]);
    expect(logs.filter((l) => l.fields.giveUp === true)).toHaveLength(1);
    clock.advance(24 * HOUR);
    catcher.setFailing(false);
    expect(await dispatcher.drain()).toBe(0);
    expect(catcher.messages).toEqual([]);
    expect(await auditEvents('mail_sent')).toEqual([]);
  });
});

describe('concurrent dispatchers (R83)', () => {
  it('R83: two dispatchers draining the same outbox concurrently send 100 messages once each', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1) ids.push(await queue());
    const first = newDispatcher();
    const second = newDispatcher();

    const [a, b] = await Promise.all([first.drain(), second.drain()]);

    expect(a + b).toBe(100); // every message claimed by exactly one of them
    const caughtIds = catcher.messages.map((m) => m.messageId);
    expect(caughtIds).toHaveLength(100);
    expect(new Set(caughtIds).size).toBe(100);
    expect(new Set(caughtIds)).toEqual(new Set(ids.map(messageIdOf)));
    const statuses = await ctx.db
      .selectFrom('outbox')
      .select(['status', 'attempts'])
      .distinct()
      .execute();
    expect(statuses).toEqual([{ status: 'sent', attempts: 1 }]);
    expect(await auditEvents('mail_sent')).toHaveLength(100);
  });

  it('R83: one claim takes several due messages under one lease, and two claims at once take disjoint batches', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) ids.push(await queue());
    const claims = await Promise.all([
      claimDueMail(ctx.db, ctx.dialect, clock, 20),
      claimDueMail(ctx.db, ctx.dialect, clock, 20),
    ]);

    const claimed = claims.flatMap((c) => c.messages.map((m) => m.id));
    expect(claimed.sort()).toEqual([...ids].sort()); // every message, none twice
    for (const { lease, messages } of claims) {
      expect(messages.length).toBeLessThanOrEqual(20);
      for (const message of messages)
        expect(await row(message.id)).toMatchObject({
          status: 'sending',
          lease_until: lease,
          attempts: 1,
        });
    }
    // Held: neither a third claim nor a dispatcher takes them while the leases last.
    expect((await claimDueMail(ctx.db, ctx.dialect, clock, 20)).messages).toEqual([]);
    expect(await newDispatcher().drain()).toBe(0);
    expect(catcher.messages).toEqual([]);
  });

  it('R83: stop() waits for the pass in flight, so every message sent is recorded and none leaves after it', async () => {
    for (let i = 0; i < 45; i += 1) await queue();
    const inner = smtpTransport(catcher.url);
    let sends = 0;
    let stopping: Promise<void> | undefined;
    const dispatcher = newDispatcher({
      name: 'stops-mid-pass',
      async send(mail) {
        await inner.send(mail);
        sends += 1;
        if (sends === 3) stopping = dispatcher.stop();
      },
      close: () => inner.close(),
    });

    dispatcher.start();
    await expect.poll(() => stopping !== undefined).toBe(true);
    await stopping;
    const sentAtStop = catcher.messages.length;
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(catcher.messages).toHaveLength(sentAtStop);
    const rows = await ctx.db.selectFrom('outbox').select(['status', 'lease_until']).execute();
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(sentAtStop);
    expect(rows.filter((r) => r.status === 'queued').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.lease_until !== null)).toEqual([]); // nothing left in flight
  });

  it('R81: a started dispatcher delivers mail as soon as it is woken', async () => {
    const dispatcher = new MailDispatcher(ctx, {
      transport: smtpTransport(catcher.url),
      from: 'Latchkey <no-reply@latchkey.test>',
      messageIdDomain: MESSAGE_ID_DOMAIN,
      pollMs: 60 * MINUTE, // after the first pass, only wake() can explain a prompt delivery
    });
    dispatchers.push(dispatcher);
    const before = await queue();
    dispatcher.start();
    await catcher.waitFor((m) => m.messageId === messageIdOf(before));
    await expect.poll(async () => (await row(before)).status).toBe('sent');

    const id = await queue();
    dispatcher.wake();
    const caught = await catcher.waitFor((m) => m.messageId === messageIdOf(id));
    expect(caught.subject).toMatch(/^Reset the password of user\d+$/);
    await dispatcher.stop();
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(catcher.messages).toHaveLength(2);
  });
});

describe('expiry (R85)', () => {
  it('R85: a reset email whose link expired before delivery is dropped, not sent', async () => {
    const dispatcher = newDispatcher();
    await catcher.stop();
    const expiring = await queue(resetMail({ expiresAt: clock.now() + HOUR }));
    const lasting = await queue(resetMail({ expiresAt: clock.now() + 3 * HOUR }));
    expect(await dispatcher.drain()).toBe(2); // both fail: the server is down

    await catcher.restart();
    clock.advance(HOUR + MINUTE);
    expect(await dispatcher.drain()).toBe(2);

    expect(await row(expiring)).toMatchObject({ status: 'dropped', sent_at: null });
    expect(await row(lasting)).toMatchObject({ status: 'sent' });
    expect(catcher.messages.map((m) => m.messageId)).toEqual([messageIdOf(lasting)]);
    expect(await auditEvents('mail_dropped')).toEqual([
      expect.objectContaining({ mailId: expiring, reason: 'expired' }),
    ]);
    clock.advance(LONGEST_RETRY_MS);
    expect(await dispatcher.drain()).toBe(0);
  });
});

describe('the .eml folder transport', () => {
  it('writes one parseable, owner-only file per message with a text and an HTML part', async () => {
    const dir = path.join(store.dataDir, 'outbox-eml');
    const dispatcher = newDispatcher(emlFolderTransport(dir));
    const first = await queue();
    const second = await queue(
      resetMail({
        kind: 'username_reminder',
        content: templates.usernameReminderMail(['ann'], 'https://login.example.test/'),
      }),
    );

    expect(await dispatcher.drain()).toBe(2);

    const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(2);
    const parsed = await Promise.all(
      files.map(async (file) => {
        const full = path.join(dir, file);
        expect((await stat(full)).mode & 0o777).toBe(0o600);
        return simpleParser(await readFile(full));
      }),
    );
    expect(new Set(parsed.map((p) => p.messageId))).toEqual(
      new Set([messageIdOf(first), messageIdOf(second)]),
    );
    for (const mail of parsed) {
      expect(mail.text?.trim()).toBeTruthy();
      expect(typeof mail.html === 'string' && mail.html.includes('<html')).toBe(true);
      expect(mail.from?.value).toEqual([{ name: 'Latchkey', address: 'no-reply@latchkey.test' }]);
    }
    expect(catcher.messages).toEqual([]);
  });
});

describe('templates (R26)', () => {
  const hostile = '<script>alert(1)</script>';
  const at = Date.UTC(2026, 10, 29, 9, 0, 0);
  const contact = 'the help desk at help@example.test';
  const resetUrl = 'https://login.example.test/reset/abc?x=1&y=2';
  const password = 'Correct-Horse-Battery-Staple-42';
  /** What a careless caller might hand over with the facts of a change: none may reach a mail. */
  const secrets = {
    password,
    oldPassword: password,
    newPassword: password,
    temporaryPassword: password,
  };

  /** Every template, with sample values; keyed by export name so a new template cannot be missed. */
  const renderers: Record<string, Array<(username: string) => templates.MailContent>> = {
    passwordResetMail: [
      (u) => templates.passwordResetMail(u, resetUrl, at + HOUR, ['Atlas', 'Ledger']),
    ],
    resetUnavailableMail: [
      (u) => templates.resetUnavailableMail(u, 'no_question', contact, null),
      (u) => templates.resetUnavailableMail(u, 'external', contact, 'https://sso.example.test/'),
      (u) => templates.resetUnavailableMail(u, 'challenge_locked', contact, null),
    ],
    usernameReminderMail: [
      (u) => templates.usernameReminderMail([u], 'https://login.example.test/'),
      (u) => templates.usernameReminderMail([u, 'second'], 'https://login.example.test/'),
    ],
    passwordChangedMail: [
      (u) =>
        templates.passwordChangedMail({
          ...secrets,
          username: u,
          at,
          how: 'password change',
          products: ['Atlas'],
          contact,
          shared: false,
        }),
      (u) =>
        templates.passwordChangedMail({
          ...secrets,
          username: u,
          at,
          how: 'forgotten-password flow',
          products: ['Atlas', 'Ledger'],
          contact,
          shared: true,
        }),
    ],
    lockoutMail: [
      (u) => templates.lockoutMail(u, at + HOUR, contact, false),
      (u) => templates.lockoutMail(u, null, contact, true),
    ],
    securityQuestionSetMail: [(u) => templates.securityQuestionSetMail(u, at, contact)],
  };
  const all = Object.entries(renderers).flatMap(([name, list]) =>
    list.map((render) => ({ name, render })),
  );

  it('covers every template the module exports', () => {
    const exported = Object.entries(templates)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name);
    expect(Object.keys(renderers).sort()).toEqual(exported.sort());
  });

  it.each(all)(
    '$name renders a text part and an HTML part that escapes the username',
    ({ render }) => {
      const mail = render(hostile);
      expect(mail.subject.trim()).not.toBe('');
      expect(mail.text).toContain(hostile); // plain text is not markup
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(mail.html).not.toMatch(/<script/i);
    },
  );

  it('R26: no mail sent over SMTP contains a password given with its facts', async () => {
    const dispatcher = newDispatcher();
    const username = 'ann.example';
    const ids: string[] = [];
    for (const { name, render } of all) {
      ids.push(
        await queue(
          resetMail({
            kind: 'password_reset',
            content: render(username),
            to: `${name}@example.test`,
          }),
        ),
      );
    }
    expect(await dispatcher.drain()).toBe(all.length);

    expect(catcher.messages).toHaveLength(all.length);
    for (const caught of catcher.messages) {
      expect(caught.text).toContain(username);
      expect(caught.html).toContain(username);
      expect(caught.raw).not.toContain(password);
    }
    const reset = catcher.messages.find((m) => m.to[0] === 'passwordResetMail@example.test');
    expect(reset && linksIn(reset.text)).toEqual([resetUrl]);
    expect(reset?.html).toContain('href="https://login.example.test/reset/abc?x=1&amp;y=2"');
  });
});
