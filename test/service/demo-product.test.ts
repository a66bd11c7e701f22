import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSigningKey } from '../../service/oidc/keys.ts';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../service/oidc/logout-token.ts';
import { newId } from '../../service/ids.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { SEEDED_PASSWORD } from '../support/console.ts';
import { startDemoProduct, type RunningDemoProduct } from '../support/demo-product.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';

// The demo product's back-channel logout endpoint is what products will copy: it must refuse
// (400) every logout token Back-Channel Logout 1.0 §2.6 says to refuse, and end exactly the
// sessions a valid one names (200).

let svc: TestService;
let product: RunningDemoProduct;
const ids: Record<'ann' | 'ben', string> = { ann: '', ben: '' };

beforeAll(async () => {
  svc = await startTestService();
  const organizationId = await seedOrganization(svc.ctx, 'Lakeside Clinic');
  for (const username of ['ann', 'ben'] as const)
    ids[username] = await seedAccount(svc.ctx, { organizationId, username });
  product = await startDemoProduct(svc);
});
afterAll(async () => {
  await product?.close();
  await svc?.close();
});

/** GET `url` and follow redirects, each resolved against the address it came from, as a browser does. */
async function follow(browser: WebClient, url: string) {
  let at = new URL(url);
  let page = await browser.get(at.href);
  for (let hops = 0; page.location && hops < 8; hops += 1) {
    at = new URL(page.location, at);
    page = await browser.get(at.href);
  }
  return page;
}

/** A browser signed in to the demo product through Latchkey's Log In. */
async function signedIn(username: string): Promise<WebClient> {
  const browser = new WebClient(svc.url);
  let page = await follow(browser, `${product.origin}/login`);
  expect(page.heading).toBe('Log In');
  const interaction = /name="interaction" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const form = { identifier: username, password: SEEDED_PASSWORD, interaction };
  const back = await browser.post('/login', form);
  page = await follow(browser, new URL(back.location ?? '', svc.url).href);
  expect(page.heading).toBe(`Signed in as ${username}`);
  return browser;
}

const headingAt = async (browser: WebClient) => (await browser.get(`${product.origin}/`)).heading;

interface TokenShape {
  sub?: string;
  sid?: string;
  aud?: string;
  typ?: string;
  iat?: number;
  exp?: number;
  events?: unknown;
  nonce?: string;
  key?: JWK & { kid: string };
}

/** A logout token as Latchkey signs them, with whatever a test changes. */
async function logoutToken(o: TokenShape = {}): Promise<string> {
  const key = o.key ?? (await currentSigningKey(svc.ctx.db, svc.ctx.clock));
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    events: 'events' in o ? o.events : { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...(o.sid ? { sid: o.sid } : {}),
    ...(o.nonce ? { nonce: o.nonce } : {}),
  };
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: o.typ ?? 'logout+jwt' })
    .setIssuer(svc.ctx.config.publicUrl)
    .setAudience(o.aud ?? product.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(o.exp ?? iat + 120)
    .setJti(newId());
  if (o.sub !== undefined) jwt.setSubject(o.sub);
  return jwt.sign(await importJWK(key, 'RS256'));
}

async function post(body: string) {
  const response = await fetch(`${product.origin}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    body: text ? (JSON.parse(text) as { error: string; error_description: string }) : undefined,
  };
}

const nowS = () => Math.floor(Date.now() / 1000);

const send = (token: string) => post(new URLSearchParams({ logout_token: token }).toString());

describe('the demo product’s back-channel logout (Back-Channel Logout 1.0 §2.6, §2.8)', () => {
  it('a valid token ends every session of its sub and no other, answering 200 uncached', async () => {
    const [ann1, ann2, ben] = [await signedIn('ann'), await signedIn('ann'), await signedIn('ben')];
    const answer = await send(await logoutToken({ sub: ids.ann }));
    expect(answer).toMatchObject({ status: 200, cacheControl: 'no-store' });
    expect(await headingAt(ann1)).toBe('Not signed in');
    expect(await headingAt(ann2)).toBe('Not signed in');
    expect(await headingAt(ben)).toBe('Signed in as ben');
  });

  it('a token naming a sid ends only the session with that sid', async () => {
    const ben = await signedIn('ben');
    expect(await send(await logoutToken({ sub: ids.ben, sid: 'another-session' }))).toMatchObject({
      status: 200,
    });
    expect(await headingAt(ben)).toBe('Signed in as ben');
  });

  it('the same token twice: the replay is refused', async () => {
    const token = await logoutToken({ sub: ids.ben });
    expect((await send(token)).status).toBe(200);
    expect(await send(token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'this logout token was already used' },
    });
  });

  it.each<[string, () => Promise<TokenShape>, RegExp]>([
    ['for another product (aud)', async () => ({ aud: 'eics-someone-else' }), /aud/],
    ['typed as a plain JWT, not logout+jwt', async () => ({ typ: 'JWT' }), /typ/],
    ['carrying a nonce (an ID token, not a logout token)', async () => ({ nonce: 'n' }), /nonce/],
    ['without the back-channel logout event', async () => ({ events: { other: {} } }), /event/],
    [
      'with the event not an object',
      async () => ({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'x' } }),
      /event/,
    ],
    ['naming neither sub nor sid', async () => ({ sub: undefined }), /neither sub nor sid/],
    [
      'issued 10 minutes ago (though not expired)',
      async () => ({ iat: nowS() - 600, exp: nowS() + 600 }),
      /iat/,
    ],
    ['already expired', async () => ({ iat: nowS() - 100, exp: nowS() - 60 }), /exp/],
    ['issued 10 minutes from now', async () => ({ iat: nowS() + 600 }), /iat/],
    [
      'signed by a key Latchkey does not publish',
      async () => ({ key: await strangerKey() }),
      /key|signature/i,
    ],
  ])('a token %s is refused with 400 and ends nothing', async (_name, shape, reason) => {
    const ann = await signedIn('ann');
    const answer = await send(await logoutToken({ sub: ids.ann, ...(await shape()) }));
    expect(answer.status).toBe(400);
    expect(answer.body?.error).toBe('invalid_request');
    expect(answer.body?.error_description).toMatch(reason);
    expect(await headingAt(ann)).toBe('Signed in as ann');
  });

  it('a request without logout_token, or with a malformed one, is refused with 400', async () => {
    expect((await post('')).status).toBe(400);
    expect((await send('not.a.jwt')).status).toBe(400);
  });
});

/** A key of the same kid as Latchkey's current one, which Latchkey never made. */
async function strangerKey(): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    ...(await exportJWK(privateKey)),
    kid: (await currentSigningKey(svc.ctx.db, svc.ctx.clock)).kid,
  };
}

describe('npm run demo:product', () => {
  const run = promisify(execFile);
  async function demoProduct(dataDir: string, args: string[] = []) {
    try {
      await run('npx', ['tsx', 'scripts/demo-product.ts', ...args], {
        env: { ...process.env, DATA_DIR: dataDir },
        timeout: 30_000,
      });
      return { code: 0, stderr: '' };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  }

  it('without the demo clients, names the file and the command that writes it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-demo-product-'));
    const result = await demoProduct(dataDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(path.join(dataDir, 'demo-clients.json'));
    expect(result.stderr).toContain('npm run service -- demo');
  });

  it('--product with no demo client names the products there are', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-demo-product-'));
    const client = (product: string) => ({
      product,
      name: product,
      client_id: `${product}-x`,
      client_secret: 'secret',
      redirect_uri: 'http://127.0.0.1:4100/callback',
      backchannel_logout_uri: 'http://127.0.0.1:4100/backchannel-logout',
      post_logout_redirect_uri: 'http://127.0.0.1:4100/',
    });
    writeFileSync(
      path.join(dataDir, 'demo-clients.json'),
      JSON.stringify({ clients: [client('emresource'), client('eics')] }),
    );
    const result = await demoProduct(dataDir, ['--product', 'emtrak']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--product: no demo client for "emtrak"');
    expect(result.stderr).toContain('emresource, eics');
  });
});
