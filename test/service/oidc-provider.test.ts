import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../service/ids.ts';
import { registerClient } from '../../service/oidc/clients.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { RelyingParty, redirectBack, signInThroughProduct } from '../support/relying-party.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';

// Issue 14: Latchkey as the products' OpenID provider, driven by a real relying party
// (openid-client) over real HTTP on loopback. The browser flows themselves run in Chromium in
// test/e2e/oidc-sign-in.browser.test.ts; here, the protocol's promises and refusals.

const PASSWORD = 'tulip orbit saddle lantern';
const CONTACT = 'the Harbour IT desk on 555-0170';
let svc: TestService;
let org: string;
const emresource = new RelyingParty('EMResource');
const eics = new RelyingParty('eICS');
const publicApp = new RelyingParty('EMTrack mobile');
let counter = 0;

async function person(o: { products?: string[]; mustChange?: boolean } = {}) {
  const username = `person${(counter += 1)}`;
  const id = await seedAccount(svc.ctx, { organizationId: org, username, ...o });
  return { id, username };
}

beforeAll(async () => {
  svc = await startTestService();
  org = await seedOrganization(svc.ctx, 'Harbour Hospital', { adminContact: CONTACT });
  for (const rp of [emresource, eics, publicApp]) await rp.start();
  await emresource.register(svc.ctx, svc.url, { product: 'emresource' });
  await eics.register(svc.ctx, svc.url, { product: 'eics' });
  await publicApp.register(svc.ctx, svc.url, { product: 'emtrack', public: true });
});
afterAll(async () => {
  await Promise.all([emresource, eics, publicApp].map((rp) => rp.stop()));
  await svc?.close();
});

/** A hand-made authorization request from EMResource (for the refusals openid-client won't send). */
function authorizeUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: emresource.clientId,
    redirect_uri: emresource.callbackUrl,
    response_type: 'code',
    scope: 'openid',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...params,
  });
  for (const [key, value] of Object.entries(params)) if (value === '') query.delete(key);
  return `${svc.url}/oidc/auth?${query}`;
}

describe('discovery and the code flow', () => {
  it('discovery at PUBLIC_URL: the issuer itself, code flow only, S256 only, back-channel logout, RFC 9207 iss', async () => {
    const response = await fetch(`${svc.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: svc.url,
      authorization_endpoint: `${svc.url}/oidc/auth`,
      token_endpoint: `${svc.url}/oidc/token`,
      userinfo_endpoint: `${svc.url}/oidc/me`,
      jwks_uri: `${svc.url}/oidc/jwks`,
      end_session_endpoint: `${svc.url}/oidc/session/end`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'organization', 'products']),
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('the product gets a code with iss (RFC 9207), redeems it with PKCE; the ID token and userinfo carry the documented claims', async () => {
    const p = await person({ products: ['emresource', 'emtrack'] });
    const back = await redirectBack(emresource, new WebClient(svc.url), p.username, PASSWORD);
    expect(back.origin + back.pathname).toBe(emresource.callbackUrl);
    expect(back.searchParams.get('iss')).toBe(svc.url);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(await (await fetch(back)).text()).toContain(`Signed in as ${p.username}`);
    const signIn = emresource.signIns.at(-1);
    expect(signIn?.claims).toMatchObject({
      iss: svc.url,
      aud: emresource.clientId,
      sub: p.id,
      preferred_username: p.username,
      name: p.username,
      email: `${p.username}@example.org`,
      organization: 'Harbour Hospital',
      products: ['emresource', 'emtrack'],
    });
    expect(signIn?.claims.sid).toBeTruthy();
    const info = await client.fetchUserInfo(
      emresource.requireConfig(),
      signIn?.accessToken ?? '',
      p.id,
    );
    expect(info).toMatchObject({ sub: p.id, organization: 'Harbour Hospital' });
    expect(info.products).toEqual(['emresource', 'emtrack']);
  });

  it('scopes decide the claims: openid alone gives the subject and nothing else', async () => {
    const p = await person();
    await signInThroughProduct(emresource, new WebClient(svc.url), p.username, PASSWORD, {
      scope: 'openid',
    });
    const claims = emresource.signIns.at(-1)?.claims;
    expect(claims?.sub).toBe(p.id);
    for (const name of ['preferred_username', 'email', 'name', 'organization', 'products'])
      expect(claims).not.toHaveProperty(name);
  });

  it('refresh tokens rotate: the new one works, the used one is refused (and its reuse ends the grant)', async () => {
    const p = await person();
    await signInThroughProduct(emresource, new WebClient(svc.url), p.username, PASSWORD, {
      scope: 'openid profile offline_access',
      prompt: 'consent',
    });
    const first = emresource.signIns.at(-1)?.refreshToken ?? '';
    expect(first).toBeTruthy();
    const config = emresource.requireConfig();
    const refreshed = await client.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    expect(refreshed.claims()?.sub).toBe(p.id);
    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Reuse of a rotated token is taken as theft: the whole grant is revoked.
    await expect(
      client.refreshTokenGrant(config, refreshed.refresh_token ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('without offline_access a product gets no refresh token', async () => {
    const p = await person();
    await signInThroughProduct(emresource, new WebClient(svc.url), p.username, PASSWORD);
    expect(emresource.signIns.at(-1)?.refreshToken).toBeUndefined();
  });

  it('a public client (no secret) signs in with PKCE alone', async () => {
    const p = await person();
    expect(
      await signInThroughProduct(publicApp, new WebClient(svc.url), p.username, PASSWORD),
    ).toContain(`Signed in as ${p.username}`);
    expect(publicApp.clientSecret).toBeUndefined();
  });

  it("a code redeemed twice: the second is refused and the first one's tokens are revoked", async () => {
    const p = await person();
    const verifier = client.randomPKCECodeVerifier();
    const authorization = client.buildAuthorizationUrl(emresource.requireConfig(), {
      redirect_uri: emresource.callbackUrl,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new WebClient(svc.url);
    const logIn = await browser.follow(authorization.href);
    const uid = /name="interaction" value="([^"]+)"/.exec(logIn.body)?.[1] ?? '';
    let response = await browser.post('/login', {
      identifier: p.username,
      password: PASSWORD,
      interaction: uid,
    });
    while (response.location && !response.location.startsWith(emresource.origin))
      response = await browser.get(response.location);
    const code = new URL(response.location ?? 'http://none/').searchParams.get('code') ?? '';
    const redeem = () =>
      fetch(`${svc.url}/oidc/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${emresource.clientId}:${emresource.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: emresource.callbackUrl,
          code_verifier: verifier,
        }),
      });
    const first = await redeem();
    expect(first.status).toBe(200);
    const { access_token: accessToken } = (await first.json()) as { access_token: string };
    const second = await redeem();
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: string }).error).toBe('invalid_grant');
    await expect(
      client.fetchUserInfo(emresource.requireConfig(), accessToken, p.id),
    ).rejects.toThrow();
  });

  it('a wrong client secret cannot redeem a code', async () => {
    const p = await person();
    const back = await redirectBack(emresource, new WebClient(svc.url), p.username, PASSWORD);
    const response = await fetch(`${svc.url}/oidc/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${emresource.clientId}:not-the-secret`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code') ?? '',
        redirect_uri: emresource.callbackUrl,
        code_verifier: 'x'.repeat(43),
      }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('refused requests', () => {
  it('a redirect URI not registered exactly is never redirected to, only told on a page', async () => {
    for (const redirect of [
      `${emresource.callbackUrl}/more`,
      `${emresource.callbackUrl}?next=evil`,
      `${emresource.origin}/Callback`,
      'https://evil.example/callback',
    ]) {
      const response = await new WebClient(svc.url).get(authorizeUrl({ redirect_uri: redirect }));
      expect(response.status).toBe(400);
      expect(response.location).toBeUndefined();
      expect(response.heading).toBe('Sign-In Could Not Start');
      expect(response.body).not.toContain('evil.example');
    }
  });

  it('a request without PKCE, or with the plain method, goes back with invalid_request and no code', async () => {
    for (const params of [
      { code_challenge: '', code_challenge_method: '' },
      {
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'plain',
      },
    ]) {
      const response = await new WebClient(svc.url).get(authorizeUrl(params));
      const back = new URL(response.location ?? 'http://none/');
      expect(back.origin + back.pathname).toBe(emresource.callbackUrl);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('code')).toBeNull();
    }
  });

  it('implicit and hybrid requests are refused: no token or code is ever put in the address', async () => {
    for (const responseType of ['id_token', 'id_token token', 'token', 'code id_token']) {
      const response = await new WebClient(svc.url).get(
        authorizeUrl({ response_type: responseType }),
      );
      const location = response.location ?? '';
      expect(location).not.toMatch(/[#?&](code|id_token|access_token)=/);
      expect(location).toContain('error=unsupported_response_type');
    }
  });

  it('prompt=none without a Latchkey session answers login_required', async () => {
    const response = await new WebClient(svc.url).get(authorizeUrl({ prompt: 'none' }));
    expect(new URL(response.location ?? 'http://none/').searchParams.get('error')).toBe(
      'login_required',
    );
  });
});

describe('who may sign in to what', () => {
  it('an account without access to the product: a page that says so and whom to ask; the product gets access_denied', async () => {
    const p = await person({ products: ['eics'] });
    const browser = new WebClient(svc.url);
    let response = await browser.get((await emresource.authorizationUrl()).href);
    while (response.location && response.status !== 200)
      response = await browser.get(response.location);
    const uid = /name="interaction" value="([^"]+)"/.exec(response.body)?.[1] ?? '';
    response = await browser.post('/login', {
      identifier: p.username,
      password: PASSWORD,
      interaction: uid,
    });
    expect(response.status).toBe(403);
    expect(response.heading).toBe('No Access to EMResource');
    expect(response.text).toContain(`ask ${CONTACT} to give your account access to EMResource`);
    const back = /href="([^"]+)">Return to EMResource/.exec(response.body)?.[1] ?? '';
    const toProduct = await browser.get(back.replace(/&amp;/g, '&'));
    const location = new URL(toProduct.location ?? 'http://none/');
    expect(location.origin + location.pathname).toBe(emresource.callbackUrl);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('code')).toBeNull();
    // The same Latchkey session signs in to the product it may use without typing again.
    expect(await signInThroughProduct(eics, browser, 'unused', 'unused')).toContain(
      `Signed in as ${p.username}`,
    );
  });

  it('an organization that moved to an external login service: after the right password, Log In says where to sign in', async () => {
    const moved = await seedOrganization(svc.ctx, 'Moved Clinic', {
      externalLoginUrl: 'https://login.moved.example/',
    });
    const username = 'moved1';
    await seedAccount(svc.ctx, { organizationId: moved, username });
    // A wrong password gets the generic failure: nothing is told before the password is right.
    const wrong = await new WebClient(svc.url).post('/login', {
      identifier: username,
      password: 'wrong',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain('login.moved.example');
    // Log In for Latchkey itself.
    const pages = new WebClient(svc.url);
    const told = await pages.post('/login', { identifier: username, password: PASSWORD });
    expect(told.status).toBe(403);
    expect(told.heading).toBe('Sign In Elsewhere');
    expect(told.body).toContain('href="https://login.moved.example/"');
    expect(pages.cookie('lk_session')).toBeUndefined();
    // Log In for a product: told the same, and the product gets no sign-in.
    const before = emresource.signIns.length;
    await expect(
      signInThroughProduct(emresource, new WebClient(svc.url), username, PASSWORD),
    ).rejects.toThrow(
      /Latchkey answered "Sign In Elsewhere": .*To sign in to EMResource, use https:\/\/login\.moved\.example\//,
    );
    expect(emresource.signIns.length).toBe(before);
    const failed = await svc.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'sign_in_failed')
      .where('detail', 'like', '%external_login_service%')
      .execute();
    expect(failed).toHaveLength(2);
  });

  it('single sign-on follows the Latchkey session: signed out of Latchkey, the product asks for Log In again', async () => {
    const p = await person();
    const browser = new WebClient(svc.url);
    await signInThroughProduct(emresource, browser, p.username, PASSWORD);
    expect(await signInThroughProduct(eics, browser, 'unused', 'unused')).toContain(
      `Signed in as ${p.username}`,
    );
    await browser.post('/logout', {});
    await expect(signInThroughProduct(eics, browser, 'unused', 'unused')).rejects.toThrow(
      /Latchkey answered "Log In"/,
    );
  });

  it('prompt=login asks for the password even with a Latchkey session', async () => {
    const p = await person();
    const browser = new WebClient(svc.url);
    await signInThroughProduct(emresource, browser, p.username, PASSWORD);
    await expect(
      signInThroughProduct(emresource, browser, p.username, 'not the password', {
        prompt: 'login',
      }),
    ).rejects.toThrow(/Latchkey answered "Log In"/);
  });

  it('a disabled account gets nothing more: refresh and userinfo refused even before its grants are revoked', async () => {
    const p = await person();
    await signInThroughProduct(emresource, new WebClient(svc.url), p.username, PASSWORD, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const signIn = emresource.signIns.at(-1);
    // Disabled behind the service's back (no end-sessions): findAccount alone must refuse.
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', p.id)
      .execute();
    const config = emresource.requireConfig();
    await expect(
      client.refreshTokenGrant(config, signIn?.refreshToken ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(config, signIn?.accessToken ?? '', p.id)).rejects.toThrow();
  });

  it('a must-change account changes its password first, then continues to the product', async () => {
    const p = await person({ mustChange: true });
    const browser = new WebClient(svc.url);
    const authorization = await emresource.authorizationUrl();
    let response = await browser.follow(authorization.href);
    const uid = /name="interaction" value="([^"]+)"/.exec(response.body)?.[1] ?? '';
    response = await browser.post('/login', {
      identifier: p.username,
      password: PASSWORD,
      interaction: uid,
    });
    expect(response.location).toBe(`/change-password?interaction=${uid}`);
    response = await browser.get(response.location ?? '');
    expect(response.heading).toBe('Change Password');
    expect(response.body).toContain(`name="interaction" value="${uid}"`);
    const newPassword = 'copper lantern seventeen owls';
    response = await browser.post('/change-password', {
      current_password: PASSWORD,
      new_password: newPassword,
      verify_password: newPassword,
      interaction: uid,
    });
    while (response.location && !response.location.startsWith(emresource.origin))
      response = await browser.get(response.location);
    expect(await (await fetch(response.location ?? '')).text()).toContain(
      `Signed in as ${p.username}`,
    );
  });
});

describe('RP-initiated logout', () => {
  it('"Sign out everywhere" ends the Latchkey session and tells the other products', async () => {
    const p = await person();
    const browser = new WebClient(svc.url);
    await signInThroughProduct(emresource, browser, p.username, PASSWORD);
    await signInThroughProduct(eics, browser, 'unused', 'unused');
    eics.logoutTokens.length = 0;
    const endSession = client.buildEndSessionUrl(emresource.requireConfig(), {
      id_token_hint: emresource.signIns.at(-1)?.idToken ?? '',
      post_logout_redirect_uri: `${emresource.origin}/`,
      state: 'bye',
    });
    const confirm = await browser.get(endSession.href);
    expect(confirm.heading).toBe('Sign Out');
    expect(confirm.text).toContain('EMResource asked to sign you out');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const done = await browser.post(
      '/oidc/session/end/confirm',
      { xsrf, logout: 'yes' },
      { csrf: false },
    );
    expect(done.location).toBe(`${emresource.origin}/?state=bye`);
    expect((await browser.get('/')).location).toBe('/login');
    await svc.logouts.drain();
    expect(eics.logoutTokens).toHaveLength(1);
  });
});

/** A GET with whatever Host and forwarding headers a client likes (fetch would set its own). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('addresses and cookies come from PUBLIC_URL, never from the request (R18)', () => {
  const forged = {
    host: 'evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
  };

  it('a forged Host or X-Forwarded-Host changes nothing the provider answers', async () => {
    const discovery = await rawGet(`${svc.url}/.well-known/openid-configuration`, forged);
    expect(discovery.status).toBe(200);
    expect(discovery.body).not.toContain('evil.example');
    expect(JSON.parse(discovery.body)).toMatchObject({ token_endpoint: `${svc.url}/oidc/token` });
    const authorize = await rawGet(authorizeUrl({}), forged);
    expect(authorize.status).toBe(303);
    expect(authorize.headers.location).toMatch(/^\/interaction\/|^http:\/\/127\.0\.0\.1:/);
    expect(JSON.stringify(authorize.headers)).not.toContain('evil.example');
  });

  it('behind a TLS proxy (PUBLIC_URL https, TRUST_PROXY unset): https addresses and Secure cookies', async () => {
    const tls = await startTestService({
      env: { PUBLIC_URL: 'https://login.harbour.test', CSRF_SECRET: 'x'.repeat(40) },
    });
    try {
      const tlsOrg = await seedOrganization(tls.ctx, 'Harbour Hospital');
      expect(tlsOrg).toBeTruthy();
      const registered = await registerClient(tls.ctx.db, tls.ctx.clock, {
        product: 'emresource',
        redirectUris: ['https://emresource.example.org/callback'],
      });
      if (!registered.ok) throw new Error('not registered');
      const discovery = await rawGet(`${tls.url}/.well-known/openid-configuration`, {});
      expect(JSON.parse(discovery.body)).toMatchObject({
        issuer: 'https://login.harbour.test',
        authorization_endpoint: 'https://login.harbour.test/oidc/auth',
      });
      const query = new URLSearchParams({
        client_id: registered.clientId,
        redirect_uri: 'https://emresource.example.org/callback',
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const authorize = await rawGet(`${tls.url}/oidc/auth?${query}`, {});
      expect(authorize.status).toBe(303);
      const cookies = authorize.headers['set-cookie'] ?? [];
      expect(cookies.map((c) => c.split('=')[0]).sort()).toEqual([
        '__Host-lk_oidc_interaction',
        '__Host-lk_oidc_interaction.sig',
        '__Secure-lk_oidc_resume',
        '__Secure-lk_oidc_resume.sig',
      ]);
      for (const cookie of cookies) {
        expect(cookie).toMatch(/;\s*secure/i);
        expect(cookie).toMatch(/;\s*httponly/i);
        expect(cookie).not.toMatch(/;\s*domain=/i);
        if (cookie.startsWith('__Host-')) expect(cookie).toMatch(/;\s*path=\/(;|$)/i);
      }
    } finally {
      await tls.close();
    }
  });
});

describe('nothing secret is stored in clear', () => {
  it('R11/R61: client secrets only as SHA-256; codes, tokens and session ids only as hashes', async () => {
    const clients = await svc.ctx.db.selectFrom('oidc_clients').selectAll().execute();
    const dump = JSON.stringify(clients);
    expect(dump).not.toContain(emresource.clientSecret);
    expect(clients.find((c) => c.client_id === emresource.clientId)?.secret_hash).toBe(
      hashToken(emresource.clientSecret ?? ''),
    );
    const p = await person();
    const browser = new WebClient(svc.url);
    const back = await redirectBack(emresource, browser, p.username, PASSWORD, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const code = back.searchParams.get('code') ?? '';
    await fetch(back);
    const signIn = emresource.signIns.at(-1);
    const session = browser.cookie('lk_oidc_session') ?? '';
    const models = JSON.stringify(await svc.ctx.db.selectFrom('oidc_models').selectAll().execute());
    for (const secret of [code, signIn?.accessToken, signIn?.refreshToken, session]) {
      expect(secret).toBeTruthy();
      expect(models).not.toContain(secret);
    }
    expect(models).toContain(hashToken(signIn?.refreshToken ?? ''));
  });
});
