import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VerificationResult } from '../../common/api/actions.ts';
import { DomainError } from '../../service/domain/domain-error.ts';
import { spendVerification } from '../../service/domain/admin/caller-verification.ts';
import { seedAccount, seedOrganization, type SeedAccount } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  auditOf,
  checkAnswer,
  mailTo,
  ok,
  openAccount,
  refused,
  SEEDED_ANSWER,
  signedIn,
  type Answer,
  type ConsoleClient,
} from '../support/console.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let agent: ConsoleClient;
let other: ConsoleClient;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Bayview Medical', { adminTotpExempt: true });
  for (const username of ['agent1', 'agent2'])
    await seedAdmin(svc.ctx, { organizationId: org, username, role: 'administrator' });
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});
// Some tests move the clock past the 15-minute access token: sign in afresh each time.
beforeEach(async () => {
  agent = await signedIn(svc, 'agent1');
  other = await signedIn(svc, 'agent2');
});

let counter = 0;
async function person(o: Partial<SeedAccount> = {}) {
  const username = `caller${(counter += 1)}`;
  const email = `${username}@example.org`;
  const id = await seedAccount(svc.ctx, { organizationId: org, username, email, ...o });
  return { id, username, email };
}

type Verification = Answer<VerificationResult>;
const sendCode = (api: ConsoleClient, id: string): Promise<Verification> =>
  api.post(`/api/v1/accounts/${id}/verifications`, { method: 'email_code' });
const checkCode = (
  api: ConsoleClient,
  id: string,
  verificationId: string,
  code: string,
): Promise<Verification> =>
  api.post(`/api/v1/accounts/${id}/verifications/${verificationId}/check`, { code });

/** Emails a code to the account and reads it out of the message, as the caller would. */
async function emailedCode(api: ConsoleClient, p: { id: string; email: string }) {
  const sent = await sendCode(api, p.id);
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  const mail = await mailTo(smtp, p.email, /verification code/);
  smtp.messages.splice(smtp.messages.indexOf(mail), 1);
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
  return { verificationId: sent.body.verificationId, code, sent: sent.body, mail };
}
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('a spoken answer', () => {
  it('R36: match ignores case and spaces; the answer is audited by its result only', async () => {
    const p = await person();
    const match = await checkAnswer(agent, p.id, `   rEX    THE dog `);
    expect(match.status).toBe(201);
    expect(match.body).toMatchObject({ method: 'answer', result: 'match' });
    expect(match.body.expiresAt).toBe(svc.clock.now() + 15 * 60_000);
    const canary = 'Canary Marmalade 7731';
    const miss = await checkAnswer(agent, p.id, canary);
    expect(miss.body).toMatchObject({ method: 'answer', result: 'no_match' });

    const events = await auditOf(svc, p.id, 'caller_verification');
    expect(events.map((e) => e.detail)).toEqual([
      { method: 'answer', result: 'match' },
      { method: 'answer', result: 'no_match' },
    ]);
    const everything = JSON.stringify(
      await svc.ctx.db.selectFrom('audit_events').selectAll().execute(),
    ).toLowerCase();
    expect(everything).not.toContain(canary.toLowerCase());
    expect(everything).not.toContain('rex the dog');
    expect(JSON.stringify((await openAccount(agent, p.id)).view)).not.toContain(canary);
  });

  it('an action takes a match, never a no_match', async () => {
    const p = await person();
    const miss = await checkAnswer(agent, p.id, 'Whiskers the cat');
    refused(
      await act(agent, p.id, 'set-temporary-password', {
        verificationId: miss.body.verificationId,
      }),
      403,
      'verification_required',
    );
    const hit = await checkAnswer(agent, p.id, SEEDED_ANSWER);
    const result = ok(
      await act(agent, p.id, 'set-temporary-password', { verificationId: hit.body.verificationId }),
    );
    expect(result.temporaryPassword).toBeDefined();
  });

  it('attempts are limited per account: five an hour, then 429 (even for the right answer)', async () => {
    const p = await person();
    const left: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const answer = await checkAnswer(agent, p.id, `guess number ${i}`);
      expect(answer.body.result).toBe('no_match');
      left.push(answer.body.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    refused(await checkAnswer(agent, p.id, SEEDED_ANSWER), 429, 'rate_limited');
    refused(await checkAnswer(other, p.id, SEEDED_ANSWER), 429, 'rate_limited');
    svc.clock.advance(60 * 60_000);
    agent = await signedIn(svc, 'agent1');
    expect((await checkAnswer(agent, p.id, SEEDED_ANSWER)).body.result).toBe('match');
  });

  it('attempts are limited per agent: thirty an hour across accounts, then 429 for that agent only', async () => {
    svc.clock.advance(60 * 60_000);
    agent = await signedIn(svc, 'agent1');
    other = await signedIn(svc, 'agent2');
    for (let n = 0; n < 6; n += 1) {
      const p = await person();
      for (let i = 0; i < 5; i += 1)
        expect((await checkAnswer(agent, p.id, SEEDED_ANSWER)).status).toBe(201);
    }
    const next = await person();
    refused(await checkAnswer(agent, next.id, SEEDED_ANSWER), 429, 'rate_limited');
    expect((await checkAnswer(other, next.id, SEEDED_ANSWER)).body.result).toBe('match');
    // The next window: later tests need this agent's attempts again.
    svc.clock.advance(60 * 60_000);
  });

  it('an account without a security question is verified by an emailed code instead', async () => {
    const p = await person({ answer: null });
    refused(await checkAnswer(agent, p.id, 'anything at all'), 409, 'conflict');
    const { verificationId, code } = await emailedCode(agent, p);
    expect((await checkCode(agent, p.id, verificationId, code)).body.result).toBe('match');
    ok(await act(agent, p.id, 'set-temporary-password', { verificationId }));
  });
});

describe('an emailed six-digit code', () => {
  it('R36: goes to the account’s address; reading back the right code verifies; no API answer shows it', async () => {
    const p = await person();
    const { verificationId, code, sent, mail } = await emailedCode(agent, p);
    expect(sent).toMatchObject({
      method: 'email_code',
      result: 'sent',
      attemptsLeft: 5,
      sentTo: 'c…@example.org',
      expiresAt: svc.clock.now() + 10 * 60_000,
    });
    expect(mail.to).toEqual([p.email]);
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.text).toContain(p.username);
    expect(JSON.stringify(sent)).not.toContain(code);
    // The agent must hear the code from the caller: the account view does not show it.
    expect(JSON.stringify((await openAccount(agent, p.id)).view)).not.toContain(code);

    const checked = await checkCode(agent, p.id, verificationId, code);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ verificationId, method: 'email_code', result: 'match' });
    const result = ok(await act(agent, p.id, 'clear-security-question', { verificationId }));
    expect(result.action).toBe('clear-security-question');
    const [event] = await auditOf(svc, p.id, 'admin_action');
    expect(event?.detail.verification).toBe('email_code');
    refused(await checkCode(agent, p.id, verificationId, code), 409, 'conflict');
    const trail = (await auditOf(svc, p.id, 'caller_verification')).map((e) => e.detail);
    expect(trail).toEqual([
      { method: 'email_code', result: 'sent' },
      { method: 'email_code', result: 'match' },
    ]);
  });

  it('five wrong codes use it up', async () => {
    const p = await person();
    const { verificationId, code } = await emailedCode(agent, p);
    const left: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const answer = await checkCode(agent, p.id, verificationId, wrong(code));
      expect(answer.body.result).toBe('no_match');
      left.push(answer.body.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    refused(await checkCode(agent, p.id, verificationId, code), 409, 'conflict');
    refused(await act(agent, p.id, 'unlock', { verificationId }), 403, 'verification_required');
  });

  it('ten wrong codes at once still get five tries, no more', async () => {
    const p = await person();
    const { verificationId, code } = await emailedCode(agent, p);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => checkCode(agent, p.id, verificationId, wrong(code))),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([
      200,
      200,
      200,
      200,
      200,
      ...[409, 409, 409, 409, 409],
    ]);
    refused(await checkCode(agent, p.id, verificationId, code), 409, 'conflict');
  });

  it('a code expires after 10 minutes', async () => {
    const p = await person();
    const { verificationId, code } = await emailedCode(agent, p);
    svc.clock.advance(10 * 60_000);
    refused(await checkCode(agent, p.id, verificationId, code), 409, 'conflict');
  });

  it('at most five codes an hour per account', async () => {
    const p = await person();
    for (let i = 0; i < 5; i += 1) expect((await sendCode(agent, p.id)).status).toBe(201);
    refused(await sendCode(other, p.id), 429, 'rate_limited');
  });
});

describe('a verification belongs to one call', () => {
  it('another agent or another account cannot use it; another agent cannot check its code', async () => {
    const p = await person();
    const q = await person();
    const spoken = await checkAnswer(agent, p.id, SEEDED_ANSWER);
    const verificationId = spoken.body.verificationId;
    refused(
      await act(other, p.id, 'set-temporary-password', { verificationId }),
      403,
      'verification_required',
    );
    refused(
      await act(agent, q.id, 'set-temporary-password', { verificationId }),
      403,
      'verification_required',
    );
    const emailed = await emailedCode(agent, q);
    refused(await checkCode(other, q.id, emailed.verificationId, emailed.code), 409, 'conflict');
    refused(await checkCode(agent, p.id, emailed.verificationId, emailed.code), 409, 'conflict');
    ok(await act(agent, p.id, 'set-temporary-password', { verificationId }));
  });

  it('an expired verification is refused: it lasts 15 minutes', async () => {
    const p = await person();
    const spoken = await checkAnswer(agent, p.id, SEEDED_ANSWER);
    svc.clock.advance(15 * 60_000);
    agent = await signedIn(svc, 'agent1');
    const answer = await act(agent, p.id, 'set-temporary-password', {
      verificationId: spoken.body.verificationId,
    });
    refused(answer, 403, 'verification_required');
    expect(answer.body.error?.field).toBe('verificationId');
  });
});

describe('R47 R12: one verification, one action (SPEC §3)', () => {
  const usedUp = (answer: Answer<unknown>) => {
    refused(answer, 403, 'verification_required');
    expect(answer.body.error?.field).toBe('verificationId');
    expect(answer.body.error?.message).toMatch(/verify the caller again/i);
  };
  const usedFor = async (verificationId: string) =>
    svc.ctx.db
      .selectFrom('verifications')
      .select(['used_at', 'used_for'])
      .where('id', '=', verificationId)
      .executeTakeFirstOrThrow();

  it('R47 R12: a verification used by one action is refused for a second; the audit event names it', async () => {
    const p = await lockedPerson();
    const verificationId = (await checkAnswer(agent, p.id, SEEDED_ANSWER)).body.verificationId;
    ok(await act(agent, p.id, 'unlock', { verificationId }));
    expect(await usedFor(verificationId)).toEqual({ used_at: svc.clock.now(), used_for: 'unlock' });
    const [event] = await auditOf(svc, p.id, 'admin_action');
    expect(event?.detail).toMatchObject({
      action: 'unlock',
      verification: 'answer',
      verificationId,
    });

    usedUp(await act(agent, p.id, 'unlock', { verificationId }));
    usedUp(await act(agent, p.id, 'set-temporary-password', { verificationId }));
    // An action that needs no verification cannot carry a used one either.
    usedUp(await act(agent, p.id, 'send-reset-email', { verificationId }));
    expect(await auditOf(svc, p.id, 'admin_action')).toHaveLength(1);
    // A new verification serves the next action.
    ok(await act(agent, p.id, 'set-temporary-password', { verificationId: await verified(p.id) }));
  });

  it('R47 R12: two actions sent at once with one verification: exactly one acts, the other is refused', async () => {
    for (let round = 0; round < 3; round += 1) {
      const p = await lockedPerson();
      const verificationId = await verified(p.id);
      const { etag } = await openAccount(agent, p.id);
      const answers = await Promise.all([
        act(agent, p.id, 'unlock', { etag, verificationId }),
        act(agent, p.id, 'set-temporary-password', { etag, verificationId }),
      ]);
      const winners = answers.filter((a) => a.status === 200);
      expect(winners, JSON.stringify(answers.map((a) => a.body))).toHaveLength(1);
      // The loser meets the used verification or the version the winner moved on; never a 5xx.
      const loser = answers.find((a) => a.status !== 200);
      expect(['verification_required', 'precondition_failed']).toContain(loser?.body.error?.code);
      expect(await auditOf(svc, p.id, 'admin_action')).toHaveLength(1);
      expect((await usedFor(verificationId)).used_for).toBe(winners[0]?.body.action);
      // And on the version as it is now, the verification is still spent.
      usedUp(await act(agent, p.id, 'unlock', { verificationId }));
    }
  });

  it('R12: the spend is one conditional update: two transactions at once, one takes it', async () => {
    // Over HTTP the account's version already orders two actions (the loser gets 412), so the
    // verification's own guard is raced here, in the transactions that actions run it in.
    const p = await person();
    const verificationId = await verified(p.id);
    const spends = await Promise.allSettled(
      ['unlock', 'set-temporary-password'].map((action) =>
        svc.ctx.db
          .transaction()
          .execute((trx) => spendVerification(trx, svc.ctx, verificationId, action)),
      ),
    );
    expect(spends.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const [lost] = spends.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect(lost).toBeInstanceOf(DomainError);
    expect((lost as DomainError).code).toBe('verification_required');
  });

  it('R12 R79: an action refused for a stale version (412) or inside its transaction (409) leaves the verification usable', async () => {
    const p = await person({ shared: true, holders: [{ name: 'Pat', email: 'pat@example.org' }] });
    const verificationId = await verified(p.id);
    const { etag } = await openAccount(agent, p.id);
    ok(await act(other, p.id, 'send-username-reminder'));
    refused(
      await act(agent, p.id, 'reset-shared-login', { etag, verificationId }),
      412,
      'precondition_failed',
    );
    refused(await act(agent, p.id, 'set-temporary-password', { verificationId }), 409, 'conflict');
    expect(await usedFor(verificationId)).toEqual({ used_at: null, used_for: null });
    ok(await act(agent, p.id, 'reset-shared-login', { verificationId }));
    usedUp(await act(agent, p.id, 'reset-shared-login', { verificationId }));
  });
});

/** A person locked out as five wrong passwords would leave them, so Unlock applies. */
async function lockedPerson() {
  const p = await person();
  await svc.ctx.db
    .updateTable('accounts')
    .set({ locked_at: svc.clock.now(), locked_until: null, failed_count: 5 })
    .where('id', '=', p.id)
    .execute();
  return p;
}

async function verified(accountId: string): Promise<string> {
  const answer = await checkAnswer(agent, accountId, SEEDED_ANSWER);
  expect(answer.body.result).toBe('match');
  return answer.body.verificationId;
}
