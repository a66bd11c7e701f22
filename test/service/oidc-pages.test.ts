import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../service/app.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { RelyingParty } from '../support/relying-party.ts';
import {
  recoveryProcessed,
  startTestService,
  WebClient,
  type PageResponse,
  type TestService,
} from '../support/service.ts';
import { linksIn, startSmtp, type SmtpCatcher } from '../support/smtp.ts';

// Issue 14: the Log In pages take part in a product's sign-in: the owed steps continue to the
// product, and forgotten username or password started there lead back, only ever through the
// product's registration (never an address a request carried).

const PASSWORD = 'tulip orbit saddle lantern';
let smtp: SmtpCatcher;
let svc: TestService;
let org: string;
const emresource = new RelyingParty('EMResource');
let counter = 0;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Riverside Hospital');
  await emresource.start();
  await emresource.register(svc.ctx, svc.url, { product: 'emresource' });
});
afterAll(async () => {
  await emresource.stop();
  await svc?.close();
  await smtp?.close();
});

async function person(o: { answer?: null } = {}) {
  const username = `river${(counter += 1)}`;
  const email = `${username}@riverside.example.org`;
  const id = await seedAccount(svc.ctx, { organizationId: org, username, email, ...o });
  return { id, username, email };
}

/** Starts EMResource's sign-in in `browser`; answers Latchkey's Log In page and the sign-in's uid. */
async function productLogIn(browser: WebClient): Promise<{ page: PageResponse; uid: string }> {
  const page = await browser.follow((await emresource.authorizationUrl()).href);
  expect(page.heading).toBe('Log In');
  const uid = /name="interaction" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  expect(uid).toBeTruthy();
  return { page, uid };
}

/** Follows Latchkey's redirects; answers the product page the browser lands on. */
async function toProduct(browser: WebClient, response: PageResponse): Promise<string> {
  let current = response;
  while (current.location && !current.location.startsWith(emresource.origin))
    current = await browser.get(current.location);
  if (!current.location) throw new Error(`stopped at "${current.heading}"`);
  return (await fetch(current.location)).text();
}

describe('owed steps continue to the product', () => {
  it('an account without a security question chooses one, then goes on to the product', async () => {
    const p = await person({ answer: null });
    const browser = new WebClient(svc.url);
    const { uid } = await productLogIn(browser);
    const loggedIn = await browser.post('/login', {
      identifier: p.username,
      password: PASSWORD,
      interaction: uid,
    });
    expect(loggedIn.location).toBe(`/security-question?interaction=${uid}`);
    const question = await browser.get(loggedIn.location ?? '');
    expect(question.heading).toBe('Security Question');
    const chosen = /<option>([^<]+)<\/option>/.exec(question.body)?.[1] ?? '';
    const saved = await browser.post('/security-question', {
      question: chosen.replace(/&#39;/g, "'"),
      answer: 'Blue heron',
      interaction: uid,
    });
    expect(await toProduct(browser, saved)).toContain(`Signed in as ${p.username}`);
  });
});

describe('forgotten username and password lead back to the product', () => {
  it('"forgot username?" from a product: its pages carry the sign-in, and "Back to Log In" continues it', async () => {
    const p = await person();
    const browser = new WebClient(svc.url);
    const { page, uid } = await productLogIn(browser);
    expect(page.body).toContain(`href="/forgot-username?interaction=${uid}"`);
    const form = await browser.get(`/forgot-username?interaction=${uid}`);
    expect(form.body).toContain(`href="/interaction/${uid}">Back to Log In`);
    const sent = await browser.post('/forgot-username', { email: p.email, interaction: uid });
    expect(sent.location).toBe(`/forgot-username/sent?interaction=${uid}`);
    const info = await browser.get(sent.location ?? '');
    expect(info.heading).toBe('Check Your Email');
    expect(info.body).toContain(`href="/interaction/${uid}">Back to Log In`);
    await recoveryProcessed(svc);
    await smtp.waitFor((m) => m.to.includes(p.email) && m.text.includes(p.username));
    const back = await browser.follow(`/interaction/${uid}`);
    expect(back.heading).toBe('Log In');
    expect(back.text).toContain('Sign in to continue to EMResource.');
    const done = await browser.post('/login', {
      identifier: p.username,
      password: PASSWORD,
      interaction: uid,
    });
    expect(await toProduct(browser, done)).toContain(`Signed in as ${p.username}`);
  });

  /** A forgotten-password flow started from EMResource's Log In, up to Password Changed. */
  async function resetFromProduct(browser: WebClient, p: { username: string; email: string }) {
    const { uid } = await productLogIn(browser);
    smtp.clear();
    const sent = await browser.post('/forgot-password', {
      identifier: p.username,
      interaction: uid,
    });
    expect(sent.location).toBe(`/forgot-password/sent?interaction=${uid}`);
    await recoveryProcessed(svc);
    const mail = await smtp.waitFor((m) => m.to.includes(p.email) && /reset/i.test(m.subject));
    const link = linksIn(mail.text).find((url) => url.includes('/reset/')) ?? '';
    await browser.get(link);
    await browser.post('/reset/challenge', { answer: 'Rex the dog' });
    const fresh = 'cobalt orchard meadow lantern';
    await browser.post('/reset/password', { new_password: fresh, verify_password: fresh });
    return { uid, fresh };
  }

  it('Password Changed leads to Log In for the product while its sign-in is alive', async () => {
    const p = await person();
    const browser = new WebClient(svc.url);
    const { uid, fresh } = await resetFromProduct(browser, p);
    const done = await browser.get('/reset/done');
    expect(done.heading).toBe('Password Changed');
    expect(done.body).toContain(`href="/interaction/${uid}">Log In to continue to EMResource`);
    const logIn = await browser.follow(`/interaction/${uid}`);
    expect(logIn.text).toContain('Sign in to continue to EMResource.');
    const signedIn = await browser.post('/login', {
      identifier: p.username,
      password: fresh,
      interaction: uid,
    });
    expect(await toProduct(browser, signedIn)).toContain(`Signed in as ${p.username}`);
  });

  it('when that sign-in has ended, Password Changed leads to the product from its registration', async () => {
    const p = await person();
    const browser = new WebClient(svc.url);
    await resetFromProduct(browser, p);
    // The sign-in ended meanwhile (expired, or finished elsewhere).
    await svc.ctx.db.deleteFrom('oidc_models').where('model', '=', 'Interaction').execute();
    const done = await browser.get('/reset/done');
    expect(done.body).toContain(`href="${emresource.origin}/">Open EMResource`);
    // The remembered product is forgotten once used.
    expect(browser.cookie('lk_product')).toBeUndefined();
  });

  it('a forged product cookie leads nowhere but Log In (no open redirect)', async () => {
    const browser = new WebClient(svc.url, { cookie: 'lk_product=https%3A%2F%2Fevil.example%2F' });
    const done = await browser.get('/reset/done');
    expect(done.body).not.toContain('evil.example');
    expect(done.body).toContain('href="/login"');
  });
});

describe('a sign-in is only continued by the browser it belongs to', () => {
  it("another browser's sign-in, or a made-up one, is ignored: Log In signs in to Latchkey only", async () => {
    const p = await person();
    const { uid } = await productLogIn(new WebClient(svc.url));
    const other = new WebClient(svc.url);
    for (const named of [uid, 'made-up-interaction-id', '../../evil']) {
      const page = await other.get(`/login?interaction=${encodeURIComponent(named)}`);
      expect(page.text).not.toContain('Sign in to continue');
      expect(page.body).not.toContain('name="interaction"');
    }
    const signedIn = await other.post('/login', {
      identifier: p.username,
      password: PASSWORD,
      interaction: uid,
    });
    expect(signedIn.location).toBe('/');
    expect((await other.get(`/interaction/${uid}`)).status).toBe(410);
  });
});

describe('logs', () => {
  it('R72/R76: an ID token in an address (RP-initiated logout) never reaches a log line', () => {
    expect(redactUrl('/oidc/session/end?id_token_hint=eyJhbGciOi.x.y&state=s')).toBe(
      '/oidc/session/end?id_token_hint=[redacted]&state=s',
    );
  });
});
