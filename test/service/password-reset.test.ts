import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../service/ids.ts';
import { QUESTION, seedAccount, seedOrganization } from '../support/accounts.ts';
import {
  recoveryProcessed,
  startTestService,
  WebClient,
  type TestService,
} from '../support/service.ts';
import { linksIn, startSmtp, type CaughtMail, type SmtpCatcher } from '../support/smtp.ts';

const NEW_PASSWORD = 'marble falcon quietly orbits';
let svc: TestService;
let smtp: SmtpCatcher;
let org: string;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Riverside Hospital', {
    adminContact: 'the Riverside helpdesk on 555-0199',
  });
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});
beforeEach(() => smtp.clear());

let counter = 0;
const unique = (stem: string) => `${stem}${(counter += 1)}`;

async function requestReset(identifier: string, client = new WebClient(svc.url)) {
  const response = await client.post('/forgot-password', { identifier });
  expect(response.status).toBe(303);
  expect(response.location).toBe('/forgot-password/sent');
  return response;
}

const mailTo = (address: string, subject?: RegExp) =>
  smtp.waitFor((m) => m.to.includes(address) && (!subject || subject.test(m.subject)));

function resetLinkIn(mail: CaughtMail): string {
  const link = linksIn(mail.text).find((l) => l.includes('/reset/'));
  if (!link) throw new Error(`no reset link in: ${mail.text}`);
  return link;
}

/** Request a reset for a fresh account and return its link and a browser that has not opened it. */
async function freshLink(
  overrides: Parameters<typeof seedAccount>[1] extends infer T ? Partial<T> : never = {},
) {
  const username = unique('user');
  const id = await seedAccount(svc.ctx, { organizationId: org, username, ...overrides });
  await requestReset(username);
  const mail = await mailTo(overrides.email ?? `${username}@example.org`, /Reset/);
  return { id, username, link: resetLinkIn(mail), mail, browser: new WebClient(svc.url) };
}

async function answerAndSet(browser: WebClient, link: string, password = NEW_PASSWORD) {
  expect((await browser.get(link)).location).toBe('/reset/challenge');
  expect((await browser.post('/reset/challenge', { answer: 'rex THE   dog' })).location).toBe(
    '/reset/password',
  );
  return browser.post('/reset/password', { new_password: password, verify_password: password });
}

describe('forgotten password, end to end over HTTP and SMTP', () => {
  it('link, challenge, new password, then Log In with it; old sessions end and the owner is told', async () => {
    const username = unique('alice');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const oldSession = new WebClient(svc.url);
    expect(
      (
        await oldSession.post('/login', {
          identifier: username,
          password: 'tulip orbit saddle lantern',
        })
      ).location,
    ).toBe('/');

    await requestReset(`${username}@example.org`);
    const mail = await mailTo(`${username}@example.org`, /Reset/);
    expect(mail.text).toContain(username);
    expect(mail.text).toMatch(/works until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(mail.html).toMatch(/<a\s+href="http/);
    const browser = new WebClient(svc.url);
    const opened = await browser.get(resetLinkIn(mail));
    expect(opened.status).toBe(303);

    const challenge = await browser.get(opened.location ?? '');
    expect(challenge.heading).toBe('Password Challenge');
    expect(challenge.text).toContain(QUESTION);
    expect((await browser.post('/reset/challenge', { answer: '  REX the dog ' })).location).toBe(
      '/reset/password',
    );
    const setUp = await browser.get('/reset/password');
    expect(setUp.heading).toBe('Set Up Password');
    expect(setUp.text).toContain('This changes your password for EMResource, eICS and EMTrack.');

    const done = await browser.post('/reset/password', {
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(done.location).toBe('/reset/done');
    const success = await browser.get('/reset/done');
    expect(success.heading).toBe('Password Changed');
    expect(success.body).toContain('href="/login"');

    expect((await oldSession.get('/')).location).toBe('/login');
    const notice = await mailTo(`${username}@example.org`, /was changed/);
    expect(notice.text).toContain('forgotten-password flow');
    const fresh = new WebClient(svc.url);
    expect(
      (await fresh.post('/login', { identifier: username, password: NEW_PASSWORD })).location,
    ).toBe('/');
    expect(
      (await fresh.post('/login', { identifier: username, password: 'tulip orbit saddle lantern' }))
        .status,
    ).toBe(401);
  });

  it('R11: only a SHA-256 hash of the token is stored', async () => {
    const { id, link } = await freshLink();
    const token = link.split('/reset/')[1] ?? '';
    expect(token).toMatch(/^[\w-]{43}$/);
    const rows = await svc.ctx.db
      .selectFrom('reset_links')
      .selectAll()
      .where('account_id', '=', id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]?.token_hash).toBe(hashToken(token));
  });

  it('R19: opening the link redirects to a token-less page with no-referrer and no-store', async () => {
    const { link, browser } = await freshLink();
    const opened = await browser.get(link);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/reset/challenge');
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const page = await browser.get('/reset/challenge');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.body).not.toMatch(/(src|href)="https?:/);
  });

  it('opening a link does not spend it: a mail scanner opens it first, the person still completes', async () => {
    const { username, link } = await freshLink();
    const scanner = new WebClient(svc.url);
    await scanner.get(link);
    await scanner.get('/reset/challenge');
    const person = new WebClient(svc.url);
    expect((await answerAndSet(person, link)).location).toBe('/reset/done');
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: username,
          password: NEW_PASSWORD,
        })
      ).location,
    ).toBe('/');
  });

  it('R12: ten concurrent submissions of one link succeed once', async () => {
    const { link, browser } = await freshLink();
    await browser.get(link);
    await browser.post('/reset/challenge', { answer: 'Rex the dog' });
    const passwords = Array.from({ length: 10 }, (_, i) => `${NEW_PASSWORD} number ${i}`);
    const results = await Promise.all(
      passwords.map((p) =>
        browser.post('/reset/password', { new_password: p, verify_password: p }),
      ),
    );
    expect(results.filter((r) => r.location === '/reset/done')).toHaveLength(1);
    expect(results.filter((r) => r.status === 410)).toHaveLength(9);
    expect(
      (
        await browser.post('/reset/password', {
          new_password: NEW_PASSWORD,
          verify_password: NEW_PASSWORD,
        })
      ).status,
    ).toBe(410);
  });

  it('R13: the link works until its lifetime ends and not a second after', async () => {
    const early = await freshLink();
    svc.clock.advance(60 * 60_000 - 1000);
    expect((await early.browser.get(early.link)).location).toBe('/reset/challenge');
    const late = await freshLink();
    svc.clock.advance(60 * 60_000 + 1000);
    const expired = await late.browser.get(late.link);
    expect(expired.status).toBe(410);
    expect(expired.heading).toBe('Link No Longer Valid');
  });

  it('R14: a reset session that outlives its link fails closed and changes nothing', async () => {
    const { username, link, browser } = await freshLink();
    await browser.get(link);
    await browser.post('/reset/challenge', { answer: 'Rex the dog' });
    svc.clock.advance(61 * 60_000);
    const late = await browser.post('/reset/password', {
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(late.status).toBe(410);
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: username,
          password: 'tulip orbit saddle lantern',
        })
      ).location,
    ).toBe('/');
  });

  it('R15: a newer link supersedes the older one', async () => {
    const username = unique('sup');
    await seedAccount(svc.ctx, { organizationId: org, username });
    await requestReset(username);
    const first = resetLinkIn(await mailTo(`${username}@example.org`, /Reset/));
    smtp.clear();
    await requestReset(username);
    const second = resetLinkIn(await mailTo(`${username}@example.org`, /Reset/));
    expect(second).not.toBe(first);
    expect((await new WebClient(svc.url).get(first)).status).toBe(410);
    expect((await new WebClient(svc.url).get(second)).status).toBe(303);
  });

  it('R16: a link dies when the account address changes or the account is disabled', async () => {
    const moved = await freshLink();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ email: 'elsewhere@example.org', email_key: 'elsewhere@example.org' })
      .where('id', '=', moved.id)
      .execute();
    expect((await moved.browser.get(moved.link)).status).toBe(410);
    const disabled = await freshLink();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', disabled.id)
      .execute();
    expect((await disabled.browser.get(disabled.link)).status).toBe(410);
  });

  it('R18: the link is built from the public URL whatever the Host header says', async () => {
    const username = unique('host');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const attacker = new WebClient(svc.url, {
      'x-forwarded-host': 'evil.test',
      forwarded: 'host=evil.test',
    });
    await requestReset(username, attacker);
    const link = resetLinkIn(await mailTo(`${username}@example.org`, /Reset/));
    expect(new URL(link).origin).toBe(new URL(svc.ctx.config.publicUrl).origin);
    expect(link).not.toContain('evil.test');
  });

  it('R22: the new password is refused before the question is answered, and without a reset session', async () => {
    const { username, link, browser } = await freshLink();
    expect(
      (
        await new WebClient(svc.url).post('/reset/password', {
          new_password: NEW_PASSWORD,
          verify_password: NEW_PASSWORD,
        })
      ).status,
    ).toBe(410);
    await browser.get(link);
    expect((await browser.get('/reset/password')).location).toBe('/reset/challenge');
    expect(
      (
        await browser.post('/reset/password', {
          new_password: NEW_PASSWORD,
          verify_password: NEW_PASSWORD,
        })
      ).status,
    ).toBe(410);
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: username,
          password: 'tulip orbit saddle lantern',
        })
      ).location,
    ).toBe('/');
  });

  it('R17: a username in the form cannot redirect the change to another account', async () => {
    const victim = unique('victim');
    await seedAccount(svc.ctx, { organizationId: org, username: victim });
    const { browser, link, username } = await freshLink();
    await browser.get(link);
    await browser.post('/reset/challenge', { answer: 'Rex the dog' });
    const result = await browser.post('/reset/password', {
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
      username: victim,
      account_id: victim,
    });
    expect(result.location).toBe('/reset/done');
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: victim,
          password: 'tulip orbit saddle lantern',
        })
      ).location,
    ).toBe('/');
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: username,
          password: NEW_PASSWORD,
        })
      ).location,
    ).toBe('/');
  });

  it('R23: a completed reset signs no one in', async () => {
    const { link, browser } = await freshLink();
    const done = await answerAndSet(browser, link);
    expect(
      done.headers
        .getSetCookie()
        .some((c) => c.startsWith('lk_session=') && !c.startsWith('lk_session=;')),
    ).toBe(false);
    expect((await browser.get('/')).location).toBe('/login');
  });

  it('R25: the policy applies to the reset, with the reason next to the field', async () => {
    const { link, browser, username } = await freshLink();
    await browser.get(link);
    await browser.post('/reset/challenge', { answer: 'Rex the dog' });
    const short = await browser.post('/reset/password', {
      new_password: 'short one',
      verify_password: 'short one',
    });
    expect(short.status).toBe(400);
    expect(short.fieldError('new_password')).toMatch(/at least 15 characters/);
    const named = `${username} forever and ever`;
    expect(
      (
        await browser.post('/reset/password', { new_password: named, verify_password: named })
      ).fieldError('new_password'),
    ).toMatch(/username/);
    const same = await browser.post('/reset/password', {
      new_password: 'tulip orbit saddle lantern',
      verify_password: 'tulip orbit saddle lantern',
    });
    expect(same.fieldError('new_password')).toMatch(/current password/);
    const mismatch = await browser.post('/reset/password', {
      new_password: NEW_PASSWORD,
      verify_password: `${NEW_PASSWORD}!`,
    });
    expect(mismatch.fieldError('verify_password')).toMatch(/do not match/);
  });

  it('R26: no email of the flow contains a password', async () => {
    const { link, browser, username } = await freshLink();
    await answerAndSet(browser, link);
    await mailTo(`${username}@example.org`, /was changed/);
    for (const mail of smtp.messages) {
      expect(mail.text + mail.html).not.toContain(NEW_PASSWORD);
      expect(mail.text + mail.html).not.toContain('tulip orbit saddle lantern');
    }
  });
});

describe('wrong answers (R31)', () => {
  it('three wrong answers kill the link; each counts as a failed sign-in and is audited', async () => {
    const { id, link, browser } = await freshLink();
    await browser.get(link);
    for (let i = 0; i < 2; i += 1) {
      const wrong = await browser.post('/reset/challenge', { answer: 'Fido' });
      expect(wrong.status).toBe(400);
      expect(wrong.fieldError('answer')).toMatch(/not right/);
    }
    const third = await browser.post('/reset/challenge', { answer: 'Fido' });
    expect(third.status).toBe(410);
    expect((await browser.post('/reset/challenge', { answer: 'Rex the dog' })).status).toBe(410);
    const account = await svc.ctx.db
      .selectFrom('accounts')
      .select('failed_count')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(account.failed_count).toBe(3);
    const audited = await svc.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('account_id', '=', id)
      .where('type', '=', 'challenge_failed')
      .execute();
    expect(audited).toHaveLength(3);
    expect(audited.map((a) => a.detail).join()).not.toContain('Fido');
  });

  it('five wrong answers in a day pause self-service reset, and the email says to call', async () => {
    const { id, username, link } = await freshLink();
    let browser = new WebClient(svc.url);
    await browser.get(link);
    for (let i = 0; i < 3; i += 1) await browser.post('/reset/challenge', { answer: 'Fido' });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ failed_count: 0, locked_at: null, locked_until: null })
      .where('id', '=', id)
      .execute();
    smtp.clear();
    await requestReset(username);
    const second = resetLinkIn(await mailTo(`${username}@example.org`, /Reset/));
    browser = new WebClient(svc.url);
    await browser.get(second);
    await browser.post('/reset/challenge', { answer: 'Fido' });
    const paused = await browser.post('/reset/challenge', { answer: 'Fido' });
    expect(paused.status).toBe(410);
    expect(paused.text).toMatch(/paused for 24 hours/);
    smtp.clear();
    await requestReset(username);
    const notice = await mailTo(`${username}@example.org`);
    expect(notice.text).toMatch(/Too many wrong answers/);
    expect(notice.text).toContain('Riverside helpdesk');
    expect(linksIn(notice.text).some((l) => l.includes('/reset/'))).toBe(false);
  });
});

describe('what the email says in each case (SPEC §1)', () => {
  it('an account without a security question gets no link, and is told how to reach its administrators', async () => {
    const username = unique('noq');
    await seedAccount(svc.ctx, { organizationId: org, username, answer: null });
    await requestReset(username);
    const mail = await mailTo(`${username}@example.org`);
    expect(mail.text).toMatch(/needs a security question/);
    expect(mail.text).toContain('the Riverside helpdesk on 555-0199');
    expect(linksIn(mail.text).some((l) => l.includes('/reset/'))).toBe(false);
  });

  it('an organization on an external login service: the email says to reset there', async () => {
    const external = await seedOrganization(svc.ctx, 'Northside Clinic', {
      externalLoginUrl: 'https://login.northside.example/',
    });
    const username = unique('ext');
    await seedAccount(svc.ctx, { organizationId: external, username });
    await requestReset(username);
    const mail = await mailTo(`${username}@example.org`);
    expect(linksIn(mail.text)).toContain('https://login.northside.example/');
    expect(linksIn(mail.text).some((l) => l.includes('/reset/'))).toBe(false);
  });

  it('several accounts on one address: one link per username, each resetting only its own account', async () => {
    const shared = `${unique('family')}@example.org`;
    const one = unique('carol');
    const two = unique('carol');
    await seedAccount(svc.ctx, { organizationId: org, username: one, email: shared });
    await seedAccount(svc.ctx, { organizationId: org, username: two, email: shared });
    await requestReset(shared.toUpperCase());
    const first = await smtp.waitFor((m) => m.to.includes(shared) && m.text.includes(one));
    const second = await smtp.waitFor((m) => m.to.includes(shared) && m.text.includes(two));
    expect(resetLinkIn(first)).not.toBe(resetLinkIn(second));
    expect((await answerAndSet(new WebClient(svc.url), resetLinkIn(second))).location).toBe(
      '/reset/done',
    );
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: one,
          password: 'tulip orbit saddle lantern',
        })
      ).location,
    ).toBe('/');
    expect(
      (await new WebClient(svc.url).post('/login', { identifier: two, password: NEW_PASSWORD }))
        .location,
    ).toBe('/');
  });

  it('at most three reset emails per account per hour; more are dropped with the same page', async () => {
    const username = unique('flood');
    await seedAccount(svc.ctx, { organizationId: org, username });
    for (let i = 0; i < 5; i += 1) await requestReset(username);
    await recoveryProcessed(svc);
    const queued = await svc.ctx.db
      .selectFrom('outbox')
      .select('id')
      .where('to_address', '=', `${username}@example.org`)
      .execute();
    expect(queued).toHaveLength(3);
    svc.clock.advance(61 * 60_000);
    await requestReset(username);
    await recoveryProcessed(svc);
    const later = await svc.ctx.db
      .selectFrom('outbox')
      .select('id')
      .where('to_address', '=', `${username}@example.org`)
      .execute();
    expect(later).toHaveLength(4);
  });
});

describe('shared logins (SPEC §2)', () => {
  it('a password change tells every holder, with no password in the email', async () => {
    const holders = [1, 2, 3].map((n) => ({
      name: `Holder ${n}`,
      email: `${unique('holder')}@example.org`,
    }));
    const { link, browser, username } = await freshLink({ shared: true, holders });
    await answerAndSet(browser, link);
    for (const h of holders) {
      const mail = await mailTo(h.email, /was changed/);
      expect(mail.text).toContain(username);
      expect(mail.text).toMatch(/shared login/);
      expect(mail.text).not.toContain(NEW_PASSWORD);
    }
  });

  it('with an owner, the link goes to the owner only', async () => {
    const owner = `${unique('owner')}@example.org`;
    const other = `${unique('other')}@example.org`;
    const username = unique('desk');
    await seedAccount(svc.ctx, {
      organizationId: org,
      username,
      shared: true,
      holders: [
        { name: 'Owner', email: owner, isOwner: true },
        { name: 'Other', email: other },
      ],
    });
    await requestReset(username);
    const mail = await mailTo(owner, /Reset/);
    expect(resetLinkIn(mail)).toContain('/reset/');
    const toOthers = await svc.ctx.db
      .selectFrom('outbox')
      .select('to_address')
      .where('kind', '=', 'password_reset')
      .where('to_address', 'in', [other, `${username}@example.org`])
      .execute();
    expect(toOthers).toHaveLength(0);
  });
});

describe('R42: a locked account can still recover', () => {
  it('a lockout does not block the reset, and the reset clears the lockout', async () => {
    const { id, username, link, browser } = await freshLink();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ locked_at: svc.clock.now(), locked_until: null, failed_count: 5 })
      .where('id', '=', id)
      .execute();
    expect((await answerAndSet(browser, link)).location).toBe('/reset/done');
    expect(
      (
        await new WebClient(svc.url).post('/login', {
          identifier: username,
          password: NEW_PASSWORD,
        })
      ).location,
    ).toBe('/');
  });
});
