import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_ATTEMPTS_PER_CLIENT } from '../../service/api/auth-routes.ts';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import { GatedHasher, until } from '../support/gated-hasher.ts';
import {
  recoveryProcessed,
  startTestService,
  WebClient,
  type TestService,
} from '../support/service.ts';
import { linksIn, startSmtp, type SmtpCatcher } from '../support/smtp.ts';

// Issue 13: every limit decided and recorded in one step, so a burst of parallel guesses gets
// no more tries than a sequence. The gated hasher holds the real checks until the test lets
// them go: every request of a burst reaches its decision first, as under load, on either store.

const PASSWORD = 'tulip orbit saddle lantern';
const ANSWER = 'Rex the dog';

let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let generousLinks: string;
let strict: string;
const hasher = new GatedHasher();
let counter = 0;
const unique = (stem: string) => `${stem}${(counter += 1)}`;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp, hasher });
  org = await seedOrganization(svc.ctx, 'Burst General', { adminContact: 'the Burst helpdesk' });
  // Ten tries a link, so only the account's daily limit (5) stands in the way.
  generousLinks = await seedOrganization(svc.ctx, 'Many Tries Clinic', {
    wrongAnswersPerLink: 10,
    wrongAnswersPerDay: 5,
  });
  strict = await seedOrganization(svc.ctx, 'Strict Burst Hospital');
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});

const account = (id: string) =>
  svc.ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function auditOf(id: string, type: string) {
  const rows = await svc.ctx.db
    .selectFrom('audit_events')
    .select(['detail'])
    .where('account_id', '=', id)
    .where('type', '=', type)
    .execute();
  return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

const signIn = (identifier: string, password: string) =>
  new WebClient(svc.url).post('/login', { identifier, password });

/** Starts `n` requests without waiting; answers a promise per request and a count of those done. */
function burst<T>(n: number, send: (i: number) => Promise<T>) {
  let done = 0;
  const all = Array.from({ length: n }, (_, i) =>
    send(i).then((r) => {
      done += 1;
      return r;
    }),
  );
  return {
    all,
    get done() {
      return done;
    },
  };
}

describe('sign-in lockout under a burst', () => {
  it('R40: 50 parallel sign-ins with the right password among them lock at 5 and refuse the right one', async () => {
    const username = unique('burst');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const { password_hash } = await account(id);
    const real = hasher.hold((stored) => stored === password_hash);

    const wrong = burst(49, (i) => signIn(username, `wrong guess number ${i} here`));
    // Five slots are taken by checks still running; every other guess was refused unchecked.
    await until('5 held checks and 44 refusals', () => real.waiting === 5 && wrong.done === 44);
    const right = await signIn(username, PASSWORD);
    expect(right.status).toBe(401);
    expect(right.location).toBeUndefined();
    real.release();
    const answers = await Promise.all(wrong.all);

    expect(answers.every((a) => a.status === 401)).toBe(true);
    expect(hasher.verificationsOf(password_hash as string)).toBe(5);
    expect((await account(id)).locked_at).not.toBeNull();
    expect(await auditOf(id, 'lockout')).toHaveLength(1);
    const failures = await auditOf(id, 'sign_in_failed');
    expect(failures.filter((d) => d.reason === 'wrong_password')).toHaveLength(5);
    expect(await auditOf(id, 'sign_in')).toHaveLength(0);
    // Once locked, the right password is refused without being checked.
    expect((await signIn(username, PASSWORD)).status).toBe(401);
    expect(hasher.verificationsOf(password_hash as string)).toBe(5);
  });

  it('R40/R41: a right password checked beside four wrong ones that lock the account does not clear the lock', async () => {
    const username = unique('beside');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const { password_hash } = await account(id);
    const rightHeld = hasher.hold(
      (stored, candidate) => stored === password_hash && candidate === PASSWORD,
    );
    const right = signIn(username, PASSWORD);
    await until('the right password held in its slot', () => rightHeld.waiting === 1);
    const wrong = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(username, `another wrong guess ${i}`)),
    );
    expect(wrong.every((w) => w.status === 401)).toBe(true);
    expect((await account(id)).locked_at).not.toBeNull();
    rightHeld.release();
    const answer = await right;

    expect(answer.status).toBe(401);
    expect(answer.location).toBeUndefined();
    expect((await account(id)).locked_at).not.toBeNull();
    expect(await auditOf(id, 'sign_in')).toHaveLength(0);
    expect(hasher.verificationsOf(password_hash as string)).toBe(5);
  });

  it('R40: an attempt that died holding its slot counts as a failure: the account locks where it would have', async () => {
    const username = unique('abandoned');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    // Five slots taken by attempts that never settled (their process died mid-hash).
    await svc.ctx.db
      .updateTable('accounts')
      .set({ failed_count: 5, attempt_reserved_at: svc.clock.now() })
      .where('id', '=', id)
      .execute();
    expect((await signIn(username, PASSWORD)).status).toBe(401);
    expect((await account(id)).locked_at).toBeNull();
    svc.clock.advance(31_000);
    expect((await signIn(username, PASSWORD)).status).toBe(401);
    expect((await account(id)).locked_at).not.toBeNull();
    expect(await auditOf(id, 'lockout')).toHaveLength(1);
  });
});

describe('the current password asked again on a signed-in page', () => {
  it('R54/R40: 20 parallel wrong current passwords on the change page get 5 checks and lock the account', async () => {
    const username = unique('session');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const { password_hash } = await account(id);
    const browser = new WebClient(svc.url);
    expect(
      (await browser.post('/login', { identifier: username, password: PASSWORD })).location,
    ).toBe('/');
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        browser.post('/change-password', {
          current_password: `is it this one ${i}`,
          new_password: 'marble falcon quietly orbits',
          verify_password: 'marble falcon quietly orbits',
        }),
      ),
    );
    expect(attempts.every((a) => a.fieldError('current_password') !== undefined)).toBe(true);
    // One check at sign-in, then five of the twenty guesses.
    expect(hasher.verificationsOf(password_hash as string)).toBe(1 + 5);
    expect((await account(id)).locked_at).not.toBeNull();
    const failures = await auditOf(id, 'sign_in_failed');
    expect(failures.filter((d) => d.via === 'change_page')).toHaveLength(5);
  });
});

describe('admin sign-in with a second factor under a burst', () => {
  it('R66/R40: the right password with many codes at once locks at 5, issues no token, and wrong codes are audited as second_factor', async () => {
    const username = unique('admin');
    const id = await seedAdmin(svc.ctx, { organizationId: strict, username, role: 'helpdesk' });
    const api = new ApiClient(svc.url);
    const enrol = await api.post<{ secret: string }>('/api/v1/auth/totp/enrol', {
      username,
      password: ADMIN_PASSWORD,
    });
    const confirm = await api.post('/api/v1/auth/totp/confirm', {
      username,
      password: ADMIN_PASSWORD,
      totp: totpCodeAt(enrol.body.secret, svc.clock.now()),
    });
    expect(confirm.status).toBe(200);
    svc.clock.advance(30_000);
    const goodCode = totpCodeAt(enrol.body.secret, svc.clock.now());
    const badCode = (i: number) => {
      const code = String(100_000 + i * 7919).slice(0, 6);
      return code === goodCode ? '000000' : code;
    };
    const { password_hash } = await account(id);
    const real = hasher.hold((stored) => stored === password_hash);
    const signInWith = (totp: string) =>
      new ApiClient(svc.url).post('/api/v1/auth/sign-in', {
        username,
        password: ADMIN_PASSWORD,
        totp,
      });

    const guesses = burst(19, (i) => signInWith(badCode(i)));
    await until('5 held checks and 14 refusals', () => real.waiting === 5 && guesses.done === 14);
    const right = await signInWith(goodCode);
    real.release();
    const answers = await Promise.all(guesses.all);

    expect(right.status).toBe(401);
    expect(right.body).not.toHaveProperty('accessToken');
    expect(answers.every((a) => a.status === 401 && !('accessToken' in a.body))).toBe(true);
    expect((await account(id)).locked_at).not.toBeNull();
    expect(await auditOf(id, 'admin_sign_in')).toHaveLength(0);
    const failures = await auditOf(id, 'sign_in_failed');
    expect(failures.filter((d) => d.reason === 'second_factor')).toHaveLength(5);
    expect(failures.filter((d) => d.reason === 'wrong_password')).toHaveLength(0);
    // Locked: the right password and a fresh right code are refused too.
    svc.clock.advance(30_000);
    const later = await signInWith(totpCodeAt(enrol.body.secret, svc.clock.now()));
    expect(later.status).toBe(401);
    // Enrolment and confirmation checked it twice; the burst five times; nothing since.
    expect(hasher.verificationsOf(password_hash as string)).toBe(2 + 5);
  });

  it('R43/R46: the admin API refuses a client past its sign-in attempts in 5 minutes, before any hash', async () => {
    svc.clock.advance(5 * 60_000); // a window of its own, whatever the tests before sent
    const checksBefore = hasher.verifications;
    const answers = [];
    for (let i = 0; i <= AUTH_ATTEMPTS_PER_CLIENT; i += 1)
      answers.push(
        await new ApiClient(svc.url).post('/api/v1/auth/sign-in', {
          username: `nobody-${i}`,
          password: 'not a password anyone has',
        }),
      );
    const last = answers[AUTH_ATTEMPTS_PER_CLIENT];
    expect(answers.slice(0, -1).every((a) => a.status === 401)).toBe(true);
    expect(last).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(last?.headers.get('retry-after')).toBe('300');
    // The refused one did no hashing at all.
    expect(hasher.verifications - checksBefore).toBe(AUTH_ATTEMPTS_PER_CLIENT);
    svc.clock.advance(5 * 60_000);
  });
});

describe('caller verification by a spoken answer under a burst', () => {
  it('R40: 20 parallel spoken answers for one account get the 5 checks an hour allows', async () => {
    const exempt = await seedOrganization(svc.ctx, 'Phone Desk Clinic', { adminTotpExempt: true });
    const agent = unique('agent');
    await seedAdmin(svc.ctx, { organizationId: exempt, username: agent, role: 'helpdesk' });
    const caller = unique('caller');
    const id = await seedAccount(svc.ctx, { organizationId: exempt, username: caller });
    const { security_answer_hash } = await account(id);
    const api = await signedInClient(svc.url, agent);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post(`/api/v1/accounts/${id}/verifications`, {
          method: 'answer',
          answer: i === 19 ? ANSWER : `spoken guess ${i}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15);
    expect(hasher.verificationsOf(security_answer_hash as string)).toBe(5);
  });
});

/** A form post from this browser as it is now (cookies and form token), to send later. */
async function sameBrowserLater(browser: WebClient, path: string, form: Record<string, string>) {
  const page = await browser.get(path);
  const token = /name="_csrf" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
  const cookie = browser.cookieHeader();
  return async () => {
    const response = await fetch(new URL(path, svc.url), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, _csrf: token }).toString(),
      redirect: 'manual',
    });
    return { status: response.status, location: response.headers.get('location') ?? undefined };
  };
}

/** A fresh account's reset link, opened in a browser that is now on the Password Challenge. */
async function openedLink(organizationId: string) {
  const username = unique('answer');
  const id = await seedAccount(svc.ctx, { organizationId, username, answer: ANSWER });
  await new WebClient(svc.url).post('/forgot-password', { identifier: username });
  await recoveryProcessed(svc);
  const mail = await smtp.waitFor((m) => m.to.includes(`${username}@example.org`));
  const link = linksIn(mail.text).find((l) => l.includes('/reset/'));
  if (!link) throw new Error(`no reset link in: ${mail.text}`);
  const browser = new WebClient(svc.url);
  expect((await browser.get(link)).location).toBe('/reset/challenge');
  const { security_answer_hash } = await account(id);
  return { id, browser, answerHash: security_answer_hash as string };
}

describe('security-question limits under a burst', () => {
  it('R31/R40: 20 parallel answers on one link, the right one among them, get 3 checks and never learn the answer', async () => {
    const { id, browser, answerHash } = await openedLink(org);
    // The right answer goes out from the same browser as the guesses, as it stood before them
    // (a refused guess's page clears the link's cookie in this browser).
    const sendRight = await sameBrowserLater(browser, '/reset/challenge', { answer: ANSWER });
    const real = hasher.hold((stored) => stored === answerHash);
    const wrong = burst(19, (i) => browser.post('/reset/challenge', { answer: `guess ${i}` }));
    await until('3 held checks and 16 refusals', () => real.waiting === 3 && wrong.done === 16);
    const right = await sendRight();
    real.release();
    const answers = [...(await Promise.all(wrong.all)), right];

    expect(answers.some((a) => a.location === '/reset/password')).toBe(false);
    expect(right.status).toBe(410);
    expect(hasher.verificationsOf(answerHash)).toBe(3);
    expect(await auditOf(id, 'challenge_passed')).toHaveLength(0);
    expect(await auditOf(id, 'challenge_failed')).toHaveLength(3);
    const link = await svc.ctx.db
      .selectFrom('reset_links')
      .selectAll()
      .where('account_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(link.revoked_at).not.toBeNull();
    expect(link.answered_at).toBeNull();
  });

  it("R31/R40: 20 parallel answers get no more than the account's 5 a day, whatever the link allows", async () => {
    svc.clock.advance(15 * 60_000); // past the per-client answer window the test before used
    const { id, browser, answerHash } = await openedLink(generousLinks);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        browser.post('/reset/challenge', { answer: `try ${i}` }),
      ),
    );
    expect(answers.some((a) => a.location === '/reset/password')).toBe(false);
    expect(hasher.verificationsOf(answerHash)).toBe(5);
    expect(await auditOf(id, 'challenge_failed')).toHaveLength(5);
    // The day is used up: the right answer on a new link is not checked either.
    const again = await openedLinkFor(id);
    expect(again).toBe('no link: the reset email says to call the helpdesk');
  });
});

/** Asks for another reset for the account: answers what its email offered. */
async function openedLinkFor(id: string): Promise<string> {
  const { username, email } = await account(id);
  smtp.clear();
  await new WebClient(svc.url).post('/forgot-password', { identifier: username });
  await recoveryProcessed(svc);
  const mail = await smtp.waitFor((m) => m.to.includes(email));
  return linksIn(mail.text).some((l) => l.includes('/reset/'))
    ? 'a link'
    : 'no link: the reset email says to call the helpdesk';
}
