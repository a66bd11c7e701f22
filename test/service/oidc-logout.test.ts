import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS } from '../../service/domain/outbox-delivery.ts';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../service/oidc/logout-token.ts';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  actVerified,
  auditOf,
  mailTo,
  ok,
  openAccount,
  resetLinkIn,
  SEEDED_ANSWER,
  SEEDED_PASSWORD,
  signedIn,
  type ConsoleClient,
} from '../support/console.ts';
import { RelyingParty, signInThroughProduct } from '../support/relying-party.ts';
import { WebClient, type TestService } from '../support/service.ts';

// Issue 14, "sessions end everywhere": whatever ends an account's sessions tells every product
// it signed in to through OpenID Connect Back-Channel Logout, with a logout token signed by the
// provider's key, retried until the product takes it; and the provider's own sessions and
// refresh tokens of the account die in the same transaction.

const NEW_PASSWORD = 'copper heron drifts at noon';
let fx: ApiFixture;
let svc: TestService;
let admin: ConsoleClient;
const emresource = new RelyingParty('EMResource');
const eics = new RelyingParty('eICS');
/** A product that registered no back-channel URI: it cannot be told, and is not counted. */
const emtrack = new RelyingParty('EMTrack');

beforeAll(async () => {
  fx = await startApiFixture('Lakeside Clinic', 'the Lakeside helpdesk on 555-0142');
  svc = fx.svc;
  await seedAdmin(svc.ctx, { organizationId: fx.org, username: 'boss1', role: 'administrator' });
  for (const [rp, product] of [
    [emresource, 'emresource'],
    [eics, 'eics'],
    [emtrack, 'emtrack'],
  ] as const) {
    await rp.start();
    await rp.register(svc.ctx, svc.url, { product, backchannel: rp !== emtrack });
  }
});
afterAll(async () => {
  await Promise.all([emresource, eics, emtrack].map((rp) => rp.stop()));
  await fx?.close();
});
beforeEach(async () => {
  admin = await signedIn(svc, 'boss1');
  for (const rp of [emresource, eics, emtrack]) rp.logoutTokens.length = 0;
});

const OFFLINE = { scope: 'openid profile offline_access', prompt: 'consent' };

/** Signs the person in to EMResource (password typed), then eICS and EMTrack (single sign-on). */
async function signedInEverywhere(username: string) {
  const browser = new WebClient(svc.url);
  for (const rp of [emresource, eics, emtrack])
    expect(await signInThroughProduct(rp, browser, username, SEEDED_PASSWORD, OFFLINE)).toContain(
      `Signed in as ${username}`,
    );
  const [first, second] = [emresource.signIns.at(-1), eics.signIns.at(-1)];
  if (!first?.refreshToken || !second) throw new Error('no sign-in');
  return { browser, emresource: first, eics: second };
}

/** Verifies a logout token as a product must (Back-Channel Logout §2.6), with the JWKS. */
async function verifiedLogout(token: string, rp: RelyingParty): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${svc.url}/oidc/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: svc.url,
    audience: rp.clientId,
    typ: 'logout+jwt',
    algorithms: ['RS256'],
    currentDate: new Date(svc.clock.now()),
    requiredClaims: ['iat', 'exp', 'jti', 'sub', 'events'],
  });
  expect(protectedHeader.kid).toBeTruthy();
  expect(payload.events).toEqual({ [BACKCHANNEL_LOGOUT_EVENT]: {} });
  expect(payload).not.toHaveProperty('nonce');
  return payload;
}

/** Delivers what is due now and answers the logout tokens each product received. */
async function deliver() {
  await svc.logouts.drain();
  return { emresource: [...emresource.logoutTokens], eics: [...eics.logoutTokens] };
}

/** Every product session of the sign-in is told, and nothing of it continues. */
async function expectSignedOutEverywhere(
  accountId: string,
  signIns: Awaited<ReturnType<typeof signedInEverywhere>>,
) {
  const got = await deliver();
  expect(got.emresource).toHaveLength(1);
  expect(got.eics).toHaveLength(1);
  const [one, two] = [
    await verifiedLogout(got.emresource[0] ?? '', emresource),
    await verifiedLogout(got.eics[0] ?? '', eics),
  ];
  expect(one).toMatchObject({ sub: accountId, sid: signIns.emresource.claims.sid });
  expect(two).toMatchObject({ sub: accountId, sid: signIns.eics.claims.sid });
  expect(one.jti).not.toBe(two.jti);
  // The refresh token died with the grant; userinfo refuses the access token.
  await expect(
    client.refreshTokenGrant(emresource.requireConfig(), signIns.emresource.refreshToken ?? ''),
  ).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(
    client.fetchUserInfo(eics.requireConfig(), signIns.eics.accessToken, accountId),
  ).rejects.toThrow();
  // Single sign-on does not continue from the old browser session either: Log In is asked.
  const again = await signInThroughProduct(emresource, signIns.browser, 'nobody', 'wrong').catch(
    (error: Error) => error.message,
  );
  expect(again).toMatch(/^Latchkey answered "Log In"/);
}

describe('R24/R64: whatever ends the sessions tells every product (back-channel logout)', () => {
  it('a self-service password reset: each product gets a signed logout token for its session', async () => {
    const p = await fx.person('reset');
    const signIns = await signedInEverywhere(p.username);
    const browser = new WebClient(svc.url);
    await browser.post('/forgot-password', { identifier: p.username });
    await svc.dispatcher.drain();
    const link = resetLinkIn(await mailTo(fx.smtp, p.email, /reset/i));
    await browser.get(link);
    await browser.post('/reset/challenge', { answer: SEEDED_ANSWER });
    const done = await browser.post('/reset/password', {
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(done.location).toBe('/reset/done');
    await expectSignedOutEverywhere(p.id, signIns);
    // The product without a back-channel URI was not queued; the view shows both deliveries.
    const { view } = await openAccount(admin, p.id);
    expect(view.productLogouts?.map((d) => [d.product, d.status]).sort()).toEqual([
      ['EMResource', 'delivered'],
      ['eICS', 'delivered'],
    ]);
    expect(await auditOf(svc, p.id, 'product_logout_delivered')).toHaveLength(2);
  });

  it("an administrator's end-sessions", async () => {
    const p = await fx.person('ended');
    const signIns = await signedInEverywhere(p.username);
    ok(await act(admin, p.id, 'end-sessions'));
    await expectSignedOutEverywhere(p.id, signIns);
  });

  it('disabling the account', async () => {
    const p = await fx.person('disabled');
    const signIns = await signedInEverywhere(p.username);
    ok(await act(admin, p.id, 'disable'));
    await expectSignedOutEverywhere(p.id, signIns);
  });

  it('converting a shared login into personal accounts', async () => {
    const holders = [
      { name: 'Ann Clerk', email: 'ann.clerk@example.org' },
      { name: 'Ben Clerk', email: 'ben.clerk@example.org' },
    ];
    const p = await fx.person('shared', { shared: true, holders });
    const signIns = await signedInEverywhere(p.username);
    ok(await act(admin, p.id, 'convert-shared-login'));
    await expectSignedOutEverywhere(p.id, signIns);
  });

  it('an administrator setting a temporary password', async () => {
    const p = await fx.person('temporary');
    const signIns = await signedInEverywhere(p.username);
    await actVerified(admin, p.id, 'set-temporary-password');
    await expectSignedOutEverywhere(p.id, signIns);
  });
});

describe('a product that is down gets its logout token when it comes back', () => {
  it('retried with backoff, the state shown in the account view, delivered after the product returns', async () => {
    const p = await fx.person('down');
    const signIns = await signedInEverywhere(p.username);
    await emresource.stop();
    try {
      ok(await act(admin, p.id, 'end-sessions'));
      const first = await deliver();
      expect(first.emresource).toHaveLength(0);
      expect(first.eics).toHaveLength(1);
      const waiting = (await openAccount(admin, p.id)).view.productLogouts?.find(
        (d) => d.product === 'EMResource',
      );
      expect(waiting).toMatchObject({ status: 'queued', attempts: 1 });
      expect(waiting?.lastError).toBeTruthy();
      // Still down at the first retry.
      svc.clock.advance((RETRY_DELAYS_MS[0] ?? 0) * 1.25);
      expect((await deliver()).emresource).toHaveLength(0);
    } finally {
      await emresource.start();
    }
    svc.clock.advance((RETRY_DELAYS_MS[1] ?? 0) * 1.25);
    const later = await deliver();
    expect(later.emresource).toHaveLength(1);
    const payload = await verifiedLogout(later.emresource[0] ?? '', emresource);
    expect(payload).toMatchObject({ sub: p.id, sid: signIns.emresource.claims.sid });
    const delivered = (await openAccount(admin, p.id)).view.productLogouts?.find(
      (d) => d.product === 'EMResource',
    );
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
  });

  it('a logout token is signed afresh for each attempt (a late one is not already expired)', async () => {
    const p = await fx.person('fresh');
    await signedInEverywhere(p.username);
    await eics.stop();
    try {
      ok(await act(admin, p.id, 'end-sessions'));
      await deliver();
    } finally {
      await eics.start();
    }
    svc.clock.advance(60 * 60_000);
    const got = await deliver();
    expect(got.eics).toHaveLength(1);
    const iat = decodeJwt(got.eics[0] ?? '').iat ?? 0;
    expect(iat * 1000).toBeGreaterThan(svc.clock.now() - 60_000);
  });
});

describe('nothing is sent to products the account never used', () => {
  it('an account signed in to no product ends its sessions without any delivery', async () => {
    const p = await fx.person('pagesonly');
    ok(await act(admin, p.id, 'end-sessions'));
    const got = await deliver();
    expect(got).toEqual({ emresource: [], eics: [] });
    expect((await openAccount(admin, p.id)).view.productLogouts).toEqual([]);
  });
});
