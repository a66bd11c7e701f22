import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountView } from '../../common/api/account-view.ts';
import { MAX_ATTEMPTS } from '../../service/domain/outbox-delivery.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  auditOf,
  mailTo,
  ok,
  openAccount,
  outboxOf,
  refused,
  resend,
  signedIn,
} from '../support/console.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let account: { id: string; username: string; email: string };
let neighbour: string;
/** The two username reminders and the reset email queued while the mail server was down. */
const mail = { reminder: '', second: '', reset: '' };

/** Runs the dispatcher, moving the clock past each retry delay, until no message is queued. */
async function retryUntilGivenUp(accountId: string) {
  for (let pass = 0; pass <= MAX_ATTEMPTS + 1; pass += 1) {
    await svc.dispatcher.drain();
    const rows = await outboxOf(svc, accountId);
    if (rows.every((r) => r.status !== 'queued')) return rows;
    svc.clock.advance(2 * 3_600_000);
  }
  throw new Error('the dispatcher never gave up');
}

beforeAll(async () => {
  smtp = await startSmtp();
  // The service's mail server is down from the start: everything it sends fails.
  await smtp.stop();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Outage Regional', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'mailboss', role: 'administrator' });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'maildesk', role: 'helpdesk' });
  const username = 'stranded1';
  account = { id: '', username, email: `${username}@example.org` };
  account.id = await seedAccount(svc.ctx, { organizationId: org, username });
  neighbour = await seedAccount(svc.ctx, { organizationId: org, username: 'neighbour1' });
  const admin = await signedIn(svc, 'mailboss');
  const queue = async (action: 'send-username-reminder' | 'send-reset-email') => {
    const [id] = ok(await act(admin, account.id, action)).mailIds;
    if (!id) throw new Error(`${action} queued no mail`);
    return id;
  };
  mail.reminder = await queue('send-username-reminder');
  mail.reset = await queue('send-reset-email');
  mail.second = await queue('send-username-reminder');
  await retryUntilGivenUp(account.id);
  await smtp.restart();
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});

describe('R82: a failed email, and sending it again', () => {
  it('R82: the account view shows the failure and its reason', async () => {
    const admin = await signedIn(svc, 'mailboss');
    const { view } = await openAccount(admin, account.id);
    const byId = new Map(view.emails.map((m) => [m.id, m]));
    expect(byId.get(mail.reminder)).toMatchObject<Partial<AccountView['emails'][number]>>({
      kind: 'username_reminder',
      to: account.email,
      subject: 'Your username',
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      sentAt: null,
    });
    expect(byId.get(mail.reminder)?.error).toMatch(/ECONNREFUSED|connect/i);
    // The reset link outlived its hour in the queue: dropped, never sent dead (R85).
    expect(byId.get(mail.reset)).toMatchObject({
      status: 'dropped',
      error: 'expired before it could be sent',
    });
    expect(smtp.messages).toEqual([]);
  });

  it('resend queues it again and it arrives; a sent or expired email is refused (409)', async () => {
    const desk = await signedIn(svc, 'maildesk');
    const result = ok(
      await resend(desk, account.id, mail.reminder, { ticket: 'MAIL-9', key: 'resend-1' }),
    );
    expect(result).toMatchObject({
      action: 'resend-mail',
      summary: `“Your username” queued again for ${account.email}`,
      mailIds: [mail.reminder],
    });
    const arrived = await mailTo(smtp, account.email, /^Your username$/);
    expect(arrived.text).toContain(
      `The username registered to this address is ${account.username}.`,
    );
    expect(arrived.messageId).toContain(mail.reminder);
    await svc.dispatcher.drain();
    const { view } = await openAccount(desk, account.id);
    expect(view.emails.find((m) => m.id === mail.reminder)).toMatchObject({
      status: 'sent',
      error: null,
    });
    const [event] = (await auditOf(svc, account.id, 'admin_action')).filter(
      (e) => e.detail.action === 'resend-mail',
    );
    expect(event?.detail).toMatchObject({ ticket: 'MAIL-9', verification: 'none' });

    const sent = await resend(desk, account.id, mail.reminder);
    refused(sent, 409, 'conflict');
    expect(sent.body.error?.message).toContain('only a failed email can be sent again');
    const expired = await resend(desk, account.id, mail.reset);
    refused(expired, 409, 'conflict');
    expect(expired.body.error?.message).toContain('send a new reset email');
  });

  it('R84: the same Idempotency-Key for another email is refused, not answered for the first', async () => {
    const desk = await signedIn(svc, 'maildesk');
    // Same account, action and body as the resend above: only the email differs.
    const reused = await resend(desk, account.id, mail.second, {
      ticket: 'MAIL-9',
      key: 'resend-1',
    });
    refused(reused, 409, 'conflict');
    expect((await outboxOf(svc, account.id)).find((m) => m.id === mail.second)?.status).toBe(
      'failed',
    );
    ok(await resend(desk, account.id, mail.second, { ticket: 'MAIL-9', key: 'resend-2' }));
    await svc.dispatcher.drain();
    expect(smtp.messages.filter((m) => m.messageId.includes(mail.second))).toHaveLength(1);
  });

  it('R83: an email on its way to the mail server reads as queued and is not queued twice', async () => {
    const desk = await signedIn(svc, 'maildesk');
    for (const status of ['sending', 'unconfirmed']) {
      // A dispatcher holds it: before SMTP's final ".", or after it without the server's 250.
      await svc.ctx.db
        .updateTable('outbox')
        .set({ status, lease_until: svc.clock.now() + 60_000 })
        .where('id', '=', mail.reminder)
        .execute();
      const { view } = await openAccount(desk, account.id);
      expect(view.emails.find((m) => m.id === mail.reminder)?.status).toBe('queued');
      const again = await resend(desk, account.id, mail.reminder, { key: `resend-${status}` });
      refused(again, 409, 'conflict');
      expect(again.body.error?.message).toContain('This email is queued');
      expect((await outboxOf(svc, account.id)).find((m) => m.id === mail.reminder)?.status).toBe(
        status,
      );
    }
  });

  it('an email of another account, or none at all, is not found', async () => {
    const admin = await signedIn(svc, 'mailboss');
    refused(await resend(admin, neighbour, mail.reminder), 404, 'not_found');
    refused(await resend(admin, account.id, 'no-such-mail'), 404, 'not_found');
  });
});
