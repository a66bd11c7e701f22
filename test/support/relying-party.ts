import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { registerClient } from '../../service/oidc/clients.ts';
import type { ServiceContext } from '../../service/context.ts';
import { textOf, type WebClient } from './service.ts';

/** What a product saw of one sign-in: openid-client's validated token response. */
export interface ProductSignIn {
  state: string;
  claims: client.IDToken;
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string;
}

/** A product that received an authorization error instead (e.g. access_denied). */
export interface ProductRefusal {
  state: string | null;
  error: string;
  iss: string | null;
}

export interface StartOptions {
  scope?: string;
  prompt?: string;
}

interface Pending {
  verifier: string;
  nonce: string;
}

/**
 * A real relying party on loopback, as a product would be: `openid-client` discovers Latchkey,
 * sends browsers to it with PKCE (S256), state and nonce, redeems the code at the token endpoint
 * (openid-client checks the ID token's signature against the JWKS, iss, aud, nonce, and `iss` in
 * the authorization response), and takes back-channel logout tokens. It can be stopped and
 * started on the same port, as a product that goes down and comes back.
 */
export class RelyingParty {
  readonly signIns: ProductSignIn[] = [];
  readonly refusals: ProductRefusal[] = [];
  /** Every logout token POSTed to the back-channel URI, as received. */
  readonly logoutTokens: string[] = [];
  config: client.Configuration | undefined;
  clientId = '';
  clientSecret: string | undefined;
  private pending = new Map<string, Pending>();
  private server: Server | undefined;
  private port = 0;

  constructor(readonly name = 'Test Product') {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get callbackUrl(): string {
    return `${this.origin}/callback`;
  }
  get backchannelUrl(): string {
    return `${this.origin}/backchannel-logout`;
  }

  /** Listens on a free port (or the same port again after `stop`). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`relying party error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: connections are refused, as when the product is down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /**
   * Registers this product's client with the service (as `client add` does) and discovers the
   * issuer: a confidential client (client_secret_basic) unless `public`.
   */
  async register(
    ctx: ServiceContext,
    issuer: string,
    o: { product: string; public?: boolean; backchannel?: boolean },
  ): Promise<void> {
    const result = await registerClient(ctx.db, ctx.clock, {
      product: o.product,
      redirectUris: [this.callbackUrl],
      postLogoutRedirectUris: [`${this.origin}/`],
      ...(o.backchannel === false ? {} : { backchannelLogoutUri: this.backchannelUrl }),
      public: o.public === true,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    this.clientId = result.clientId;
    this.clientSecret = result.clientSecret;
    this.config = await client.discovery(
      new URL(issuer),
      this.clientId,
      undefined,
      this.clientSecret ? client.ClientSecretBasic(this.clientSecret) : client.None(),
      { execute: [client.allowInsecureRequests] },
    );
  }

  /** The product's "sign in" address: it redirects to Latchkey. */
  startUrl(o: StartOptions = {}): string {
    const query = new URLSearchParams(o as Record<string, string>);
    return `${this.origin}/start${query.size ? `?${query}` : ''}`;
  }

  /** The authorization URL the product would send a browser to (PKCE S256, state, nonce). */
  async authorizationUrl(o: StartOptions = {}): Promise<URL> {
    const config = this.requireConfig();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    this.pending.set(state, { verifier, nonce });
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl,
      scope: o.scope ?? 'openid profile email organization products',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(o.prompt ? { prompt: o.prompt } : {}),
    });
  }

  /** Waits until `count` logout tokens have arrived; throws after `timeoutMs`. */
  async logoutTokensAtLeast(count: number, timeoutMs = 60_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.logoutTokens.length < count) {
      if (Date.now() > deadline)
        throw new Error(`${this.logoutTokens.length} logout tokens arrived, not ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.logoutTokens;
  }

  requireConfig(): client.Configuration {
    if (!this.config) throw new Error('register() first');
    return this.config;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (req.method === 'GET' && url.pathname === '/start') {
      const target = await this.authorizationUrl(Object.fromEntries(url.searchParams));
      res.writeHead(302, { location: target.href });
      return void res.end();
    }
    if (req.method === 'GET' && url.pathname === '/callback') return this.callback(url, res);
    if (req.method === 'POST' && url.pathname === '/backchannel-logout') {
      const body = new URLSearchParams(await readBody(req));
      const token = body.get('logout_token');
      if (token) this.logoutTokens.push(token);
      res.writeHead(token ? 200 : 400, { 'cache-control': 'no-store' });
      return void res.end();
    }
    return this.page(res, 200, `${this.name}`, 'You are not signed in here.');
  }

  private async callback(url: URL, res: ServerResponse): Promise<void> {
    const state = url.searchParams.get('state');
    const error = url.searchParams.get('error');
    if (error) {
      this.refusals.push({ state, error, iss: url.searchParams.get('iss') });
      return this.page(res, 200, `${this.name}: sign-in refused`, `Latchkey answered ${error}.`);
    }
    const pending = state ? this.pending.get(state) : undefined;
    if (!state || !pending) return this.page(res, 400, 'Unknown sign-in', 'No such state.');
    this.pending.delete(state);
    const tokens = await client.authorizationCodeGrant(this.requireConfig(), url, {
      pkceCodeVerifier: pending.verifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    this.signIns.push({
      state,
      claims,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      idToken: tokens.id_token ?? '',
    });
    const who = typeof claims.preferred_username === 'string' ? claims.preferred_username : '';
    return this.page(res, 200, `Signed in to ${this.name}`, `Signed in as ${who}.`);
  }

  private page(res: ServerResponse, status: number, title: string, text: string): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>${title}</title><h1>${title}</h1><p>${text}</p>`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * A product sign-in without a browser, up to the redirect back to the product: the product's
 * authorization request, Latchkey's Log In when it asks (`browser` keeps Latchkey's cookies),
 * and the address Latchkey sends the browser back to. Throws with the page Latchkey answered
 * when it sends the browser nowhere.
 */
export async function redirectBack(
  rp: RelyingParty,
  browser: WebClient,
  identifier: string,
  password: string,
  o: StartOptions = {},
): Promise<URL> {
  const authorization = await rp.authorizationUrl(o);
  let response = await browser.get(authorization.href);
  const follow = async () => {
    for (let hops = 0; response.location && !isProduct(rp, response.location) && hops < 5; hops++)
      response = await browser.get(response.location);
  };
  await follow();
  if (response.heading === 'Log In') {
    const uid = /name="interaction" value="([^"]+)"/.exec(response.body)?.[1] ?? '';
    response = await browser.post('/login', { identifier, password, interaction: uid });
    await follow();
  }
  if (!response.location)
    throw new Error(`Latchkey answered "${response.heading}": ${response.text}`);
  return new URL(response.location);
}

/** A whole product sign-in (see `redirectBack`); answers the product's page text. */
export async function signInThroughProduct(
  rp: RelyingParty,
  browser: WebClient,
  identifier: string,
  password: string,
  o: StartOptions = {},
): Promise<string> {
  const back = await redirectBack(rp, browser, identifier, password, o);
  const product = await fetch(back);
  return textOf(await product.text());
}

const isProduct = (rp: RelyingParty, location: string) => location.startsWith(rp.origin);
