import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../service/app.ts';
import { argon2Hasher, type Hasher } from '../../service/domain/passwords.ts';
import { linksIn } from '../support/smtp.ts';
import { seedAccount, seedOrganization, QUESTION } from '../support/accounts.ts';
import {
  recoveryProcessed,
  startTestService,
  textOf,
  WebClient,
  type PageResponse,
  type TestService,
} from '../support/service.ts';

const PASSWORD = 'tulip orbit saddle lantern';
const ANSWER = 'Rex the dog';
const MINUTE = 60_000;
/** A form's CSRF token: HMAC of the session binding, a salt, HMAC of salt and secret. */
const CSRF_TOKEN = /^\w{43}-[A-Za-z\d]{8}-[\w-]{43}$/;

/** argon2, counting every call, so a test can tell whether a request hashed anything (R4, R50). */
const calls = { hash: 0, verify: 0 };
const countingHasher: Hasher = {
  hash(secret) {
    calls.hash += 1;
    return argon2Hasher.hash(secret);
  },
  verify(phc, secret) {
    calls.verify += 1;
    return argon2Hasher.verify(phc, secret);
  },
  needsRehash: (phc) => argon2Hasher.needsRehash(phc),
};
const resetCalls = () => {
  calls.hash = 0;
  calls.verify = 0;
};

let svc: TestService;
let orgId: string;

beforeAll(async () => {
  svc = await startTestService({ hasher: countingHasher });
  orgId = await seedOrganization(svc.ctx, 'Springfield General Hospital');
  await seedAccount(svc.ctx, { organizationId: orgId, username: 'dlatimer' });
  await seedAccount(svc.ctx, { organizationId: orgId, username: 'rwalker' });
  await seedAccount(svc.ctx, { organizationId: orgId, username: 'nquestion', answer: null });
  await seedAccount(svc.ctx, { organizationId: orgId, username: 'mchange', mustChange: true });
  await seedAccount(svc.ctx, { organizationId: orgId, username: 'csrfvictim' });
  await seedAccount(svc.ctx, { organizationId: orgId, username: 'target' });
});

afterAll(async () => {
  await svc?.close();
});

// ---------------------------------------------------------------------------------------------
// What a person (or a screen reader) reads off a page.

const attr = (tag: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/** A form control as the browser parses it: tag name and attributes (flags have ''). */
interface Control {
  tag: string;
  attrs: Record<string, string>;
}

function parseAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*"([^"]*)")?/g)) {
    attrs[m[1] ?? ''] = (m[2] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  }
  return attrs;
}

const controls = (body: string): Control[] =>
  [...body.matchAll(/<(input|select|textarea)\b([^>]*)>/g)].map((m) => ({
    tag: m[1] ?? '',
    attrs: parseAttributes(m[2] ?? ''),
  }));

const controlById = (r: PageResponse, id: string): Control | undefined =>
  controls(r.body).find((c) => c.attrs.id === id);

/** `<title>` as the browser tab shows it. */
const titleOf = (r: PageResponse): string =>
  textOf(/<title>([\s\S]*?)<\/title>/.exec(r.body)?.[1] ?? '');

/** The visible text of every button. */
const buttons = (r: PageResponse): string[] =>
  [...r.body.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/g)].map((m) => textOf(m[1] ?? ''));

/** Every link as text → href. */
const links = (r: PageResponse): Array<{ text: string; href: string }> =>
  [...r.body.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)].map((m) => ({
    text: textOf(m[2] ?? ''),
    href: attr(m[1] ?? '', 'href') ?? '',
  }));

/** The visible text of every option of every select. */
const options = (r: PageResponse): string[] =>
  [...r.body.matchAll(/<option\b[^>]*>([\s\S]*?)<\/option>/g)].map((m) => textOf(m[1] ?? ''));

/** The products in "This changes your password for A, B and C.", sorted for comparison. */
function productsNamed(r: PageResponse): string[] {
  const list = /This changes your password for ([^.]+)\./.exec(r.text)?.[1];
  expect(list, 'the sentence naming the products').toBeDefined();
  return (list ?? '').split(/, | and /).sort();
}

/** The form control a visible label names (its `for` must point at a real control). */
function controlLabelled(r: PageResponse, labelText: string): Control {
  const label = [...r.body.matchAll(/<label\b([^>]*)>([\s\S]*?)<\/label>/g)].find(
    (m) => textOf(m[2] ?? '') === labelText,
  );
  expect(label, `a label "${labelText}"`).toBeDefined();
  const id = attr(label?.[1] ?? '', 'for');
  expect(id, `label "${labelText}" has a for=`).toBeTruthy();
  const control = controlById(r, id ?? '');
  expect(control, `a control with id="${id}" for "${labelText}"`).toBeDefined();
  return control ?? { tag: '', attrs: {} };
}

/** Visible controls (not hidden fields) that no `<label for>` names. */
function unlabelledControls(body: string): Control[] {
  const labelled = new Set([...body.matchAll(/<label\b[^>]*\sfor="([^"]+)"/g)].map((m) => m[1]));
  return controls(body)
    .filter((c) => c.attrs.type !== 'hidden' && !('hidden' in c.attrs))
    .filter((c) => !labelled.has(c.attrs.id));
}

/** The headers every response carries (R19 for the reset pages; the rest for every page). */
function expectSecurityHeaders(r: PageResponse, what: string): void {
  const csp = r.headers.get('content-security-policy') ?? '';
  expect(csp, `${what}: CSP`).toContain("frame-ancestors 'none'");
  expect(csp, `${what}: CSP`).toContain("default-src 'none'");
  expect(csp, `${what}: CSP`).not.toContain('unsafe-inline');
  expect(csp, `${what}: CSP`).not.toContain('unsafe-eval');
  expect(r.headers.get('referrer-policy'), `${what}: Referrer-Policy`).toBe('no-referrer');
  expect(r.headers.get('cache-control'), `${what}: Cache-Control`).toBe('no-store');
  expect(r.headers.get('x-content-type-options'), `${what}: X-Content-Type-Options`).toBe(
    'nosniff',
  );
}

/** What holds for every HTML page: headers, language, labels, nothing inline or third-party. */
function expectSoundPage(r: PageResponse, what: string): void {
  expectSecurityHeaders(r, what);
  expect(r.headers.get('content-type'), what).toBe('text/html; charset=utf-8');
  expect(r.body, `${what}: lang`).toMatch(/<html\b[^>]*\slang="en"/);
  expect(unlabelledControls(r.body), `${what}: controls without a <label for>`).toEqual([]);
  // The CSP would block inline script and style: the page must not depend on them.
  expect(r.body, what).not.toMatch(/<script\b|<style\b|\sstyle="|\son[a-z]+="/i);
  // Nothing is loaded from another origin (R19: pages that carry a token leak nothing).
  const loaded = [
    ...r.body.matchAll(/<(?:link|script|img|iframe)\b[^>]*\s(?:href|src)="([^"]+)"/g),
  ];
  for (const [, url = ''] of loaded) expect(url, `${what}: loads ${url}`).toMatch(/^\/(?!\/)/);
  // Every form carries the CSRF field.
  const forms = r.body.match(/<form\b/g)?.length ?? 0;
  const csrfFields = controls(r.body).filter(
    (c) =>
      c.attrs.type === 'hidden' && c.attrs.name === '_csrf' && CSRF_TOKEN.test(c.attrs.value ?? ''),
  );
  expect(csrfFields.length, `${what}: a _csrf field per form`).toBe(forms);
}

/** Asks for a reset link for `identifier` and answers the link from the queued email. */
async function resetLinkFor(
  client: WebClient,
  identifier: string,
  username: string,
): Promise<string> {
  const sent = await client.post('/forgot-password', { identifier });
  expect(sent.status).toBe(303);
  await recoveryProcessed(svc);
  const mail = await svc.ctx.db
    .selectFrom('outbox')
    .select(['text_body'])
    .where('kind', '=', 'password_reset')
    .where('subject', 'like', `%${username}%`)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  const link = linksIn(mail.text_body).find((l) => l.includes('/reset/'));
  expect(link).toBeDefined();
  return link ?? '';
}

async function signedIn(username: string): Promise<{ client: WebClient; landing: PageResponse }> {
  const client = new WebClient(svc.url);
  const response = await client.post('/login', { identifier: username, password: PASSWORD });
  expect(response.status).toBe(303);
  return { client, landing: await client.follow(response.location ?? '/') };
}

// ---------------------------------------------------------------------------------------------

describe('the pages of SPEC §1, with their exact names', () => {
  it('"Log In": "Email or Username", "Password", "Log In", "forgot username?", "forgot password?"', async () => {
    const r = await new WebClient(svc.url).get('/login');
    expect(r.status).toBe(200);
    expect(r.heading).toBe('Log In');
    expect(titleOf(r)).toBe('Log In – Latchkey');
    expect(controlLabelled(r, 'Email or Username').attrs).toMatchObject({ name: 'identifier' });
    expect(controlLabelled(r, 'Password').attrs).toMatchObject({
      name: 'password',
      type: 'password',
    });
    expect(buttons(r)).toEqual(['Log In']);
    expect(links(r)).toEqual(
      expect.arrayContaining([
        { text: 'forgot username?', href: '/forgot-username' },
        { text: 'forgot password?', href: '/forgot-password' },
      ]),
    );
    expectSoundPage(r, '/login');
  });

  it('"Retrieve Forgotten Username": an email field and "Continue"', async () => {
    const r = await new WebClient(svc.url).get('/forgot-username');
    expect(r.status).toBe(200);
    expect(r.heading).toBe('Retrieve Forgotten Username');
    expect(titleOf(r)).toBe('Retrieve Forgotten Username – Latchkey');
    expect(controlLabelled(r, 'Email').attrs).toMatchObject({ name: 'email', type: 'email' });
    expect(buttons(r)).toEqual(['Continue']);
    expect(links(r)).toContainEqual({ text: 'Back to Log In', href: '/login' });
    expectSoundPage(r, '/forgot-username');
  });

  it('"Reset Your Password": "Email or Username", "Continue", then the information page', async () => {
    const client = new WebClient(svc.url);
    const r = await client.get('/forgot-password');
    expect(r.status).toBe(200);
    expect(r.heading).toBe('Reset Your Password');
    expect(titleOf(r)).toBe('Reset Your Password – Latchkey');
    expect(controlLabelled(r, 'Email or Username').attrs).toMatchObject({ name: 'identifier' });
    expect(buttons(r)).toEqual(['Continue']);
    expectSoundPage(r, '/forgot-password');

    const sent = await client.post('/forgot-password', { identifier: 'nobody-at-all' });
    expect(sent.status).toBe(303);
    const info = await client.follow(sent.location ?? '');
    expect(info.status).toBe(200);
    expect(info.heading).toBe('Check Your Email');
    expect(info.text).toContain('An email is being sent');
    expectSoundPage(info, '/forgot-password/sent');
  });

  it('R19: the emailed link redirects (303) to a token-less "Password Challenge" page, no-referrer and no-store', async () => {
    const client = new WebClient(svc.url);
    const link = await resetLinkFor(client, 'dlatimer', 'dlatimer');
    const token = link.split('/reset/')[1] ?? '';
    expect(token).toMatch(/^[\w-]{43}$/);

    const opened = await client.get(link);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/reset/challenge');
    expect(opened.location).not.toContain(token);
    expectSecurityHeaders(opened, 'the link');

    const r = await client.get(opened.location ?? '');
    expect(r.status).toBe(200);
    expect(r.heading).toBe('Password Challenge');
    expect(r.text).toContain(QUESTION);
    expect(controlLabelled(r, 'Answer').attrs).toMatchObject({ name: 'answer' });
    expect(buttons(r)).toEqual(['Submit']);
    expect(r.body).not.toContain(token);
    expectSoundPage(r, '/reset/challenge');
  });

  it('"Set Up Password": names the products; "New Password", "Verify Password", "Submit"; then "Log In"', async () => {
    const client = new WebClient(svc.url);
    const link = await resetLinkFor(client, 'rwalker', 'rwalker');
    await client.get(link);
    const answered = await client.post('/reset/challenge', { answer: ANSWER });
    expect(answered.status).toBe(303);
    expect(answered.location).toBe('/reset/password');

    const r = await client.get('/reset/password');
    expect(r.status).toBe(200);
    expect(r.heading).toBe('Set Up Password');
    expect(productsNamed(r)).toEqual(['EMResource', 'EMTrack', 'eICS']);
    expect(controlLabelled(r, 'New Password').attrs).toMatchObject({
      type: 'password',
      autocomplete: 'new-password',
    });
    expect(controlLabelled(r, 'Verify Password').attrs).toMatchObject({ type: 'password' });
    expect(buttons(r)).toEqual(['Submit']);
    expectSoundPage(r, '/reset/password');

    const mismatch = await client.post('/reset/password', {
      new_password: 'harbor island jasmine kettle',
      verify_password: 'harbor island jasmine kettles',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.fieldError('verify_password')).toMatch(/do not match/);
    expectSoundPage(mismatch, '/reset/password with a mismatch');

    const done = await client.post('/reset/password', {
      new_password: 'harbor island jasmine kettle',
      verify_password: 'harbor island jasmine kettle',
    });
    expect(done.status).toBe(303);
    const success = await client.follow(done.location ?? '');
    expect(success.heading).toBe('Password Changed');
    expect(links(success)).toContainEqual({ text: 'Log In', href: '/login' });
    expect(client.cookie('lk_session')).toBeUndefined();
    expectSoundPage(success, '/reset/done');
  });

  it('"Security Question" follows sign-in for an account without one; a curated list, "Answer"', async () => {
    const { landing } = await signedIn('nquestion');
    expect(landing.status).toBe(200);
    expect(landing.heading).toBe('Security Question');
    expect(controlLabelled(landing, 'Security Question').tag).toBe('select');
    expect(options(landing)).toContain(QUESTION);
    expect(controlLabelled(landing, 'Answer').attrs).toMatchObject({ name: 'answer' });
    expectSoundPage(landing, '/security-question');
  });

  it('"Change Password" follows sign-in for an account that must change it', async () => {
    const { landing } = await signedIn('mchange');
    expect(landing.heading).toBe('Change Password');
    expect(landing.text).toContain('You must choose a new password before you continue.');
    expect(productsNamed(landing)).toEqual(['EMResource', 'EMTrack', 'eICS']);
    controlLabelled(landing, 'Current Password');
    controlLabelled(landing, 'New Password');
    controlLabelled(landing, 'Verify Password');
    expect(buttons(landing)).toEqual(['Submit']);
    expectSoundPage(landing, '/change-password');
  });

  it('the default view lists the products the account may open', async () => {
    const { landing } = await signedIn('dlatimer');
    expect(landing.heading).toBe('Your products');
    expect(links(landing)).toEqual(
      expect.arrayContaining([
        { text: 'EMResource', href: 'https://emresource.example.org/' },
        { text: 'eICS', href: 'https://eics.example.org/' },
        { text: 'EMTrack', href: 'https://emtrack.example.org/' },
      ]),
    );
    expectSoundPage(landing, '/');
  });
});

describe('errors name the field they concern', () => {
  it('an empty identifier on Log In: 400, and the error next to "identifier" says to enter the email or username', async () => {
    const r = await new WebClient(svc.url).post('/login', {
      identifier: '   ',
      password: PASSWORD,
    });
    expect(r.status).toBe(400);
    expect(r.fieldError('identifier')).toBe('Enter your email or username.');
    expect(titleOf(r)).toBe('Error: Log In – Latchkey');
    // Tied to its field for assistive technology, and listed in the summary with a link to it.
    const input = controlById(r, 'identifier');
    expect(input?.attrs['aria-describedby']?.split(' ')).toContain('identifier-error');
    expect(input?.attrs['aria-invalid']).toBe('true');
    expect(links(r)).toContainEqual({
      text: 'Email or Username: Enter your email or username.',
      href: '#identifier',
    });
    expectSoundPage(r, 'Log In with an empty identifier');
  });

  it('an invalid email on Retrieve Forgotten Username: 400, the error is next to the email field, the typed text kept', async () => {
    const r = await new WebClient(svc.url).post('/forgot-username', { email: 'not-an-address' });
    expect(r.status).toBe(400);
    expect(r.heading).toBe('Retrieve Forgotten Username');
    expect(r.fieldError('email')).toBe('Enter an email address such as name@example.org.');
    expect(controlById(r, 'email')?.attrs).toMatchObject({
      type: 'email',
      value: 'not-an-address',
    });
    expectSoundPage(r, 'Retrieve Forgotten Username with a bad email');
  });

  it('an empty identifier on Reset Your Password: 400 and the field says what to enter', async () => {
    const r = await new WebClient(svc.url).post('/forgot-password', { identifier: '' });
    expect(r.status).toBe(400);
    expect(r.heading).toBe('Reset Your Password');
    expect(r.fieldError('identifier')).toBe('Enter your email or username.');
    expectSoundPage(r, 'Reset Your Password with an empty identifier');
  });

  it('what was typed is shown back escaped, never as markup', async () => {
    const r = await new WebClient(svc.url).post('/forgot-username', {
      email: '"><script>alert(1)</script>',
    });
    expect(r.status).toBe(400);
    expect(r.body).not.toContain('<script>alert(1)</script>');
    expect(r.body).toContain('&lt;script&gt;');
  });
});

describe('SPEC §1: accessible pages (focus and descriptions)', () => {
  /** The ids of what takes the focus when the page opens (`autofocus`). */
  const autofocused = (r: PageResponse): string[] =>
    [...r.body.matchAll(/<(?:div|input|select|textarea)\b([^>]*)>/g)]
      .map((m) => parseAttributes(m[1] ?? ''))
      .filter((attrs) => 'autofocus' in attrs)
      .map((attrs) => attrs.id ?? '');

  it('SPEC §1 accessible: after a form error the error summary takes the focus, and no field does', async () => {
    const client = new WebClient(svc.url);
    const errored = [
      await client.post('/login', { identifier: '', password: PASSWORD }),
      await client.post('/login', { identifier: 'dlatimer', password: 'not the password, sorry' }),
      await client.post('/forgot-password', { identifier: '' }),
      await client.post('/forgot-username', { email: 'not-an-address' }),
    ];
    for (const r of errored) {
      expect(r.status, r.heading).toBeGreaterThanOrEqual(400);
      expect(r.body).toMatch(/<div class="summary" role="alert" tabindex="-1" id="error-summary"/);
      expect(autofocused(r), r.heading).toEqual(['error-summary']);
    }
    // Without an error the first field to fill takes the focus, as before.
    expect(autofocused(await client.get('/login'))).toEqual(['identifier']);
    expect(autofocused(await client.get('/forgot-password'))).toEqual(['identifier']);
  });

  it('SPEC §1 accessible: on Password Challenge the Answer field is described by the question, also after a wrong answer', async () => {
    await seedAccount(svc.ctx, { organizationId: orgId, username: 'describedby' });
    const client = new WebClient(svc.url);
    const link = await resetLinkFor(client, 'describedby', 'describedby');
    const challenge = await client.follow(link);
    expect(challenge.heading).toBe('Password Challenge');
    // The element that shows the question, found by its text.
    const questionId = new RegExp(`\\sid="([^"]+)"[^>]*>${QUESTION.replace('?', '\\?')}<`).exec(
      challenge.body,
    )?.[1];
    expect(questionId).toBeTruthy();
    const describedBy = (r: PageResponse) =>
      controlById(r, 'answer')?.attrs['aria-describedby']?.split(' ') ?? [];
    expect(describedBy(challenge)[0]).toBe(questionId);
    expect(describedBy(challenge)).toContain('answer-hint');
    expect(autofocused(challenge)).toEqual(['answer']);

    const wrong = await client.post('/reset/challenge', { answer: 'Fido' });
    expect(wrong.status).toBe(400);
    expect(describedBy(wrong)).toEqual([questionId, 'answer-hint', 'answer-error']);
    expect(autofocused(wrong)).toEqual(['error-summary']);
  });
});

describe('CSRF: a form post without its token does nothing', () => {
  it('Log In with the right password but no _csrf field: 403, and no sign-in session is set', async () => {
    const client = new WebClient(svc.url);
    await client.get('/login');
    const r = await client.post(
      '/login',
      { identifier: 'csrfvictim', password: PASSWORD },
      { csrf: false },
    );
    expect(r.status).toBe(403);
    expect(r.heading).toBe('Form Expired');
    expect(r.headers.getSetCookie().some((c) => c.startsWith('lk_session='))).toBe(false);
    expect(client.cookie('lk_session')).toBeUndefined();
    expectSoundPage(r, 'the CSRF refusal');
    // The same post with the token signs in: it was only the token that was missing.
    const ok = await client.post('/login', { identifier: 'csrfvictim', password: PASSWORD });
    expect(ok.status).toBe(303);
    expect(client.cookie('lk_session')).toBeDefined();
  });

  it('a wrong _csrf value: 403, no session, and a wrong password is not even counted', async () => {
    const client = new WebClient(svc.url);
    await client.get('/login');
    const forged = 'A'.repeat(43);
    const right = await client.post(
      '/login',
      { identifier: 'csrfvictim', password: PASSWORD, _csrf: forged },
      { csrf: false },
    );
    expect(right.status).toBe(403);
    expect(client.cookie('lk_session')).toBeUndefined();

    resetCalls();
    const wrong = await client.post(
      '/login',
      { identifier: 'csrfvictim', password: 'not it at all, no', _csrf: forged },
      { csrf: false },
    );
    expect(wrong.status).toBe(403);
    expect(calls.verify).toBe(0);
    const account = await svc.ctx.db
      .selectFrom('accounts')
      .select(['failed_count'])
      .where('username', '=', 'csrfvictim')
      .executeTakeFirstOrThrow();
    expect(account.failed_count).toBe(0);
  });

  it('a _csrf field without the matching cookie (a cross-site post): 403', async () => {
    const client = new WebClient(svc.url);
    const token = (await client.get('/login')).body.match(/name="_csrf" value="([^"]+)"/)?.[1];
    expect(token).toMatch(CSRF_TOKEN);
    // Another browser (no cookie) replays the token it saw.
    const response = await fetch(new URL('/login', svc.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        identifier: 'csrfvictim',
        password: PASSWORD,
        _csrf: token ?? '',
      }).toString(),
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie().some((c) => c.startsWith('lk_session='))).toBe(false);
  });

  it('Reset Your Password without _csrf: 403 and no email is queued', async () => {
    const before = await svc.ctx.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const client = new WebClient(svc.url);
    await client.get('/forgot-password');
    const r = await client.post('/forgot-password', { identifier: 'csrfvictim' }, { csrf: false });
    expect(r.status).toBe(403);
    const after = await svc.ctx.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('security headers', () => {
  it('R19: every page and response sends CSP (no unsafe-inline, frame-ancestors none), no-referrer, no-store, nosniff', async () => {
    const anonymous = new WebClient(svc.url);
    const { client: member } = await signedIn('dlatimer');
    const responses: Array<[string, PageResponse]> = [];
    for (const path of [
      '/login',
      '/forgot-username',
      '/forgot-username/sent',
      '/forgot-password',
      '/forgot-password/sent',
      `/reset/${'x'.repeat(43)}`,
      '/reset/challenge',
      '/reset/password',
      '/reset/done',
      '/no-such-page',
      '/healthz',
      '/',
      '/change-password',
    ]) {
      responses.push([`GET ${path}`, await anonymous.get(path)]);
    }
    for (const path of ['/', '/change-password', '/security-question']) {
      responses.push([`GET ${path} signed in`, await member.get(path)]);
    }
    responses.push([
      'POST /login refused',
      await anonymous.post('/login', {
        identifier: 'nobody-here',
        password: 'wrong password here',
      }),
    ]);
    responses.push([
      'POST /login without _csrf',
      await anonymous.post('/login', {}, { csrf: false }),
    ]);
    for (const [what, r] of responses) {
      expectSecurityHeaders(r, what);
      if (r.headers.get('content-type')?.startsWith('text/html')) expectSoundPage(r, what);
    }
    // The dead-link page and the restricted reset pages without a session say so generically.
    expect(responses.find(([w]) => w === `GET /reset/${'x'.repeat(43)}`)?.[1].status).toBe(410);
  });

  it('pages cannot be framed by another site (X-Frame-Options as well as frame-ancestors)', async () => {
    const r = await new WebClient(svc.url).get('/login');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('R50: long inputs', () => {
  it('R50: a 1 MiB password is refused quickly without hashing', async () => {
    const client = new WebClient(svc.url);
    await client.get('/login');
    resetCalls();
    const r = await client.post('/login', {
      identifier: 'dlatimer',
      password: 'x'.repeat(1024 * 1024),
    });
    expect(r.status).toBe(413);
    expect(r.text).toContain('What you sent is too large.');
    expect(calls).toEqual({ hash: 0, verify: 0 });
    expectSoundPage(r, 'the 413 page');
  });

  it('R50: a 1 MiB new password on Change Password is refused without hashing', async () => {
    const { client } = await signedIn('dlatimer');
    resetCalls();
    const huge = 'y'.repeat(1024 * 1024);
    const r = await client.post('/change-password', {
      current_password: PASSWORD,
      new_password: huge,
      verify_password: huge,
    });
    expect(r.status).toBe(413);
    expect(calls).toEqual({ hash: 0, verify: 0 });
  });

  it('R50: Log In checks passwords up to 1,024 characters and, refusing a longer one before hashing, says 1,024', async () => {
    const client = new WebClient(svc.url);
    await client.get('/login');
    resetCalls();
    const longest = await client.post('/login', {
      identifier: 'dlatimer',
      password: 'w'.repeat(1024),
    });
    expect(longest.status).toBe(401);
    expect(calls).toEqual({ hash: 0, verify: 1 });
    resetCalls();
    const over = await client.post('/login', {
      identifier: 'dlatimer',
      password: 'w'.repeat(1025),
    });
    expect(over.status).toBe(400);
    expect(over.fieldError('password')).toBe('Passwords are at most 1024 characters.');
    expect(calls).toEqual({ hash: 0, verify: 0 });
  });

  it('R50: Change Password says the same of a current password over 1,024 characters', async () => {
    const { client } = await signedIn('dlatimer');
    const r = await client.post('/change-password', {
      current_password: 'w'.repeat(1025),
      new_password: 'harbor island jasmine kettle',
      verify_password: 'harbor island jasmine kettle',
    });
    expect(r.status).toBe(400);
    expect(r.fieldError('current_password')).toBe('Passwords are at most 1024 characters.');
  });

  it('R50: a 5,000-character password (under the body limit) is refused next to the field, without hashing', async () => {
    const client = new WebClient(svc.url);
    await client.get('/login');
    resetCalls();
    const r = await client.post('/login', { identifier: 'dlatimer', password: 'z'.repeat(5000) });
    expect(r.status).toBe(400);
    expect(r.fieldError('password')).toMatch(/at most \d+ characters/);
    expect(calls).toEqual({ hash: 0, verify: 0 });
  });
});

describe('health and unknown paths', () => {
  it('/healthz answers 200 {"status":"ok"} as JSON, with the search index\'s state', async () => {
    const response = await fetch(new URL('/healthz', svc.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    // The service builds its index as it starts: a store this small is indexed at once.
    expect(await response.json()).toEqual({
      status: 'ok',
      searchIndex: expect.stringMatching(/^(building|ready)$/),
    });
    expect(await svc.ctx.search.settled()).toBe('ready');
  });

  it('an unknown path gives the 404 page, with a way back to Log In', async () => {
    const r = await new WebClient(svc.url).get('/wp-admin/setup.php');
    expect(r.status).toBe(404);
    expect(r.heading).toBe('Page Not Found');
    expect(links(r)).toContainEqual({ text: 'Log In', href: '/login' });
    expectSoundPage(r, 'the 404 page');
  });
});

describe('R46: the client address for limits comes from the socket, not from X-Forwarded-For', () => {
  // The limit is 100 Log In posts per 5 minutes per address, in fixed windows of the service's
  // clock: moving the clock 5 minutes starts a new window, so earlier tests' posts do not count
  // here and this test's posts do not count against later ones.
  const nextWindow = () => svc.clock.advance(5 * MINUTE);

  /** One Log In post from "address" `forwardedFor`, as a script would send it. */
  async function postLogin(
    base: string,
    csrf: { cookie: string; token: string },
    forwardedFor: string,
    identifier: string,
    password: string,
  ) {
    const response = await fetch(new URL('/login', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: csrf.cookie,
        'x-forwarded-for': forwardedFor,
      },
      body: new URLSearchParams({ identifier, password, _csrf: csrf.token }).toString(),
      redirect: 'manual',
    });
    await response.text();
    return response;
  }

  async function csrfOf(base: string): Promise<{ cookie: string; token: string }> {
    const client = new WebClient(base);
    const token = await client.csrfToken();
    return { cookie: client.cookieHeader(), token };
  }

  it('R46: with TRUST_PROXY unset, 100 posts from "100 addresses" leave the 101st refused with 429', async () => {
    expect(svc.ctx.config.trustProxy).toBe(false);
    nextWindow();
    try {
      const csrf = await csrfOf(svc.url);
      // The limit counts every post before the form is read, so posts without a password fill
      // it without costing 100 argon2 runs.
      const statuses: number[] = [];
      for (let i = 1; i <= 100; i += 1) {
        statuses.push((await postLogin(svc.url, csrf, `203.0.113.${i}`, `nobody${i}`, '')).status);
      }
      expect(statuses.every((s) => s === 400)).toBe(true);

      // The 101st, from yet another spoofed address and with the right password: still refused.
      const last = await postLogin(svc.url, csrf, '198.51.100.77', 'target', PASSWORD);
      expect(last.status).toBe(429);
      expect(last.headers.get('retry-after')).toBeTruthy();
      expect(last.headers.getSetCookie().some((c) => c.startsWith('lk_session='))).toBe(false);

      // A new window lets the right password in again: the limit is a window, not a ban.
      nextWindow();
      const later = await postLogin(svc.url, csrf, '198.51.100.78', 'target', PASSWORD);
      expect(later.status).toBe(303);
    } finally {
      nextWindow();
    }
  });

  it('R46 (control): X-Forwarded-For is honoured only when TRUST_PROXY is set', async () => {
    // A second service process on the same store, configured to sit behind a proxy.
    const proxied = await buildApp({ ...svc.ctx, config: { ...svc.ctx.config, trustProxy: true } });
    const base = (await proxied.listen({ port: 0, host: '127.0.0.1' })).replace(
      '[::1]',
      '127.0.0.1',
    );
    nextWindow();
    try {
      const csrf = await csrfOf(base);
      // 101 posts from one forwarded address: that address is limited...
      for (let i = 0; i < 100; i += 1) {
        expect((await postLogin(base, csrf, '203.0.113.9', '', '')).status).toBe(400);
      }
      expect((await postLogin(base, csrf, '203.0.113.9', 'target', PASSWORD)).status).toBe(429);
      // ...and another forwarded address behind the same proxy is not.
      expect((await postLogin(base, csrf, '203.0.113.10', 'target', PASSWORD)).status).toBe(303);
    } finally {
      nextWindow();
      await proxied.close();
    }
  });
});
