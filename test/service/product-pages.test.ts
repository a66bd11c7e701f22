import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, listProducts, updateProduct } from '../../service/domain/products.ts';
import { issueResetLink } from '../../service/domain/reset-links.ts';
import { QUESTION, seedAccount, seedOrganization } from '../support/accounts.ts';
import {
  startTestService,
  textOf,
  WebClient,
  type PageResponse,
  type TestService,
} from '../support/service.ts';

// Issue 14: the pages name the configured products in their display order — the footer on every
// page ("one sign-in for A, B and C"), and the Set Up Password and Change Password warning names
// the account's products in the same order — not a fixed sentence.

const PASSWORD = 'tulip orbit saddle lantern';
const by = { actor: 'system', ip: null, reason: 'issue 14 test' };

/** The footer as a person reads it. */
const footerOf = (r: PageResponse): string =>
  textOf(/<footer>([\s\S]*?)<\/footer>/.exec(r.body)?.[1] ?? '');

/** Moves a product to a position, as a super-administrator would. */
async function move(svc: TestService, code: string, displayOrder: number): Promise<void> {
  const p = (await listProducts(svc.ctx.db)).find((x) => x.code === code);
  if (!p) throw new Error(`no product ${code}`);
  await updateProduct(
    svc.ctx,
    { code, ifMatch: p.etag, fields: { name: p.name, url: p.url, displayOrder } },
    by,
  );
}

describe('the footer', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it('issue 14: no products → a sentence without a list; one → its name; three → "A, B and C" in display order', async () => {
    const browser = new WebClient(svc.url);
    expect(footerOf(await browser.get('/login'))).toBe(
      'Latchkey · one sign-in for your organization’s products',
    );
    await createProduct(
      svc.ctx,
      { code: 'eics', name: 'eICS', url: 'https://eics.example.org/' },
      by,
    );
    expect(footerOf(await browser.get('/login'))).toBe('Latchkey · one sign-in for eICS');
    await createProduct(
      svc.ctx,
      { code: 'emresource', name: 'EMResource', url: 'https://emr.example.org/', displayOrder: 1 },
      by,
    );
    await createProduct(
      svc.ctx,
      { code: 'emtrack', name: 'EMTrack', url: 'https://emtrack.example.org/' },
      by,
    );
    expect(footerOf(await browser.get('/login'))).toBe(
      'Latchkey · one sign-in for EMResource, eICS and EMTrack',
    );
    await move(svc, 'emtrack', 1);
    for (const path of ['/login', '/forgot-password', '/forgot-username', '/no-such-page'])
      expect(footerOf(await browser.get(path)), path).toBe(
        'Latchkey · one sign-in for EMTrack, EMResource and eICS',
      );
    await move(svc, 'emtrack', 3);
  });

  it('a product name is text, never markup (R77: names come from administrators)', async () => {
    await createProduct(
      svc.ctx,
      { code: 'x-lab', name: '<b>Lab</b> & "Co"', url: 'https://lab.example.org/' },
      by,
    );
    const r = await new WebClient(svc.url).get('/login');
    expect(r.body).toContain(
      '<footer>Latchkey · one sign-in for EMResource, eICS, EMTrack and &lt;b&gt;Lab&lt;/b&gt; &amp; &quot;Co&quot;</footer>',
    );
    expect(r.body).not.toContain('<b>Lab</b>');
  });

  it('the admin API’s answers are left alone', async () => {
    const r = await fetch(new URL('/api/v1/me', svc.url));
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await r.text()).not.toContain('footer');
  });
});

describe('the new password warning', () => {
  let svc: TestService;
  let org: string;
  beforeAll(async () => {
    svc = await startTestService();
    org = await seedOrganization(svc.ctx, 'Warning General');
  });
  afterAll(async () => svc?.close());

  async function setUpPassword(username: string): Promise<PageResponse> {
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const account = await svc.ctx.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const { token } = await issueResetLink(
      svc.ctx.db,
      svc.clock,
      account,
      'reset',
      account.email,
      3_600_000,
    );
    const browser = new WebClient(svc.url);
    const challenge = await browser.follow(`/reset/${token}`);
    expect(challenge.text).toContain(QUESTION);
    const answered = await browser.post('/reset/challenge', { answer: 'Rex the dog' });
    expect(answered.location).toBe('/reset/password');
    return browser.get('/reset/password');
  }

  it('issue 14: "Set Up Password" names the account’s products in display order, and follows a move', async () => {
    const before = await setUpPassword('warned.one');
    expect(before.heading).toBe('Set Up Password');
    expect(before.text).toContain('This changes your password for EMResource, eICS and EMTrack.');
    expect(footerOf(before)).toBe('Latchkey · one sign-in for EMResource, eICS and EMTrack');
    await move(svc, 'eics', 1);
    const after = await setUpPassword('warned.two');
    expect(after.text).toContain('This changes your password for eICS, EMResource and EMTrack.');
    expect(footerOf(after)).toBe('Latchkey · one sign-in for eICS, EMResource and EMTrack');
    await move(svc, 'eics', 2);
  });

  it('issue 14: an account with one product is told that one; "Change Password" says the same', async () => {
    await seedAccount(svc.ctx, {
      organizationId: org,
      username: 'one.product',
      mustChange: true,
      products: ['emtrack'],
    });
    const browser = new WebClient(svc.url);
    const signedIn = await browser.post('/login', {
      identifier: 'one.product',
      password: PASSWORD,
    });
    const change = await browser.follow(signedIn.location ?? '/');
    expect(change.heading).toBe('Change Password');
    expect(change.text).toContain('This changes your password for EMTrack.');
    expect(footerOf(change)).toBe('Latchkey · one sign-in for EMResource, eICS and EMTrack');
  });
});
