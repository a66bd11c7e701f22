import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { InvalidLogoutToken, LogoutTokenVerifier } from './logout-tokens.ts';
import { problemPage, signedInPage, signedOutPage } from './pages.ts';
import { SessionStore } from './sessions.ts';

/** What the product needs to know: Latchkey's address and its own registered client. */
export interface DemoProductSettings {
  /** Latchkey's address, its issuer: discovery is at ISSUER/.well-known/openid-configuration. */
  issuer: string;
  productName: string;
  clientId: string;
  clientSecret: string;
  /** Exactly as registered (Latchkey compares them character for character). */
  redirectUri: string;
  postLogoutRedirectUri: string;
  log?: (message: string) => void;
}

/** What the provider says about itself (discovery), and how to check its logout tokens. */
interface Provider {
  config: oidc.Configuration;
  logoutTokens: LogoutTokenVerifier;
}

const COOKIE = 'demo_product_session';
const SCOPE = 'openid profile email organization products';
const MAX_BODY = 64 * 1024;

/**
 * The demo product's pages: home, /login (off to Latchkey), /callback (back from it),
 * /logout (RP-initiated logout) and /backchannel-logout (Latchkey ending a session).
 */
export class DemoProduct {
  private readonly sessions = new SessionStore();
  private provider: Promise<Provider> | undefined;

  constructor(private readonly settings: DemoProductSettings) {}

  /** The http server's request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.settings.log?.(`error: ${message}`);
      if (!res.headersSent)
        this.page(res, 500, problemPage(this.name, 'Something went wrong', message));
    });
  };

  private get name(): string {
    return this.settings.productName;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.settings.redirectUri);
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (route === 'GET /') return this.home(req, res);
    if (route === 'GET /login') return this.startSignIn(res);
    if (route === 'GET /callback') return this.callback(req, res, url);
    if (route === 'POST /logout') return this.logout(req, res);
    if (route === 'POST /backchannel-logout') return this.backchannelLogout(req, res);
    this.page(res, 404, problemPage(this.name, 'Not found', `Nothing is at ${url.pathname}.`));
  }

  private home(req: IncomingMessage, res: ServerResponse): void {
    const signedIn = this.sessions.get(sessionId(req))?.signedIn;
    this.page(
      res,
      200,
      signedIn ? signedInPage(this.name, signedIn.claims) : signedOutPage(this.name),
    );
  }

  /** Off to Latchkey's Log In, with PKCE (S256), state and nonce kept in a fresh session. */
  private async startSignIn(res: ServerResponse): Promise<void> {
    const { config } = await this.discovered();
    const pending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    this.redirect(res, target.href, this.sessions.startSignIn(pending));
  }

  /**
   * Back from Latchkey: openid-client checks state and `iss` (RFC 9207), exchanges the code with
   * the PKCE verifier, and validates the ID token (signature with the JWKS, iss, aud, nonce).
   * A refusal (e.g. access_denied: the account may not use this product) is believed only once
   * its state matched, so nobody can put words on this page with a crafted link.
   */
  private async callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const id = sessionId(req);
    const pending = this.sessions.get(id)?.pending;
    if (!pending) {
      const message = 'This sign-in was not started in this browser, or took too long.';
      return this.page(res, 400, problemPage(this.name, 'Sign-in not finished', message));
    }
    this.sessions.delete(id);
    const { config } = await this.discovered();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (!(error instanceof oidc.AuthorizationResponseError)) throw error;
      const why = error.error_description ?? error.error;
      return this.page(res, 403, problemPage(this.name, 'Sign-in refused', `Latchkey: ${why}`));
    }
    const claims = tokens.claims();
    if (!claims) throw new Error('Latchkey sent no ID token');
    this.redirect(res, '/', this.sessions.signIn({ claims }));
  }

  /**
   * Ends the session here, then at Latchkey, which asks whether to sign out everywhere. The
   * product is named by client_id, not by id_token_hint: that would put the ID token (a name, an
   * email) in the address bar, the history and the logs.
   */
  private async logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = sessionId(req);
    const signedIn = this.sessions.get(id)?.signedIn;
    this.sessions.delete(id);
    if (!signedIn) return this.redirect(res, '/', '');
    const { config } = await this.discovered();
    const target = oidc.buildEndSessionUrl(config, {
      client_id: this.settings.clientId,
      post_logout_redirect_uri: this.settings.postLogoutRedirectUri,
    });
    this.redirect(res, target.href, '');
  }

  /**
   * Latchkey ending sessions (a password reset, an administrator, a sign-out elsewhere):
   * 200 once the sessions it names are gone, 400 for a token that fails any check
   * (Back-Channel Logout 1.0 §2.8), never cached.
   */
  private async backchannelLogout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const token = form.get('logout_token');
    res.setHeader('cache-control', 'no-store');
    const answer = (status: number, body?: object) => {
      res.writeHead(status, body ? { 'content-type': 'application/json' } : {});
      res.end(body ? JSON.stringify(body) : undefined);
    };
    if (!token)
      return answer(400, { error: 'invalid_request', error_description: 'no logout_token' });
    try {
      const target = await (await this.discovered()).logoutTokens.verify(token);
      const ended = this.sessions.endSignIns(target);
      this.settings.log?.(`back-channel logout: ${ended} session(s) ended`);
      answer(200);
    } catch (error) {
      if (!(error instanceof InvalidLogoutToken)) throw error;
      this.settings.log?.(`back-channel logout refused: ${error.message}`);
      answer(400, { error: 'invalid_request', error_description: error.message });
    }
  }

  /** Discovery, once; tried again at the next request when Latchkey did not answer. */
  private discovered(): Promise<Provider> {
    this.provider ??= this.discover().catch((error: unknown) => {
      this.provider = undefined;
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`Latchkey at ${this.settings.issuer} did not answer discovery: ${why}`);
    });
    return this.provider;
  }

  private async discover(): Promise<Provider> {
    const issuer = new URL(this.settings.issuer);
    const config = await oidc.discovery(
      issuer,
      this.settings.clientId,
      undefined,
      oidc.ClientSecretBasic(this.settings.clientSecret),
      // Plain http is for a Latchkey on this machine only; a real product talks https.
      issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
    const metadata = config.serverMetadata();
    if (!metadata.jwks_uri) throw new Error('no jwks_uri in discovery');
    const logoutTokens = new LogoutTokenVerifier({
      issuer: metadata.issuer,
      clientId: this.settings.clientId,
      jwksUri: metadata.jwks_uri,
      algorithms: metadata.id_token_signing_alg_values_supported ?? ['RS256'],
    });
    return { config, logoutTokens };
  }

  private page(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${new URL(this.settings.issuer).origin}; frame-ancestors 'none'; base-uri 'none'`,
    });
    res.end(html);
  }

  /** A 303 to `location` setting the session cookie to `session` ('' clears it). */
  private redirect(res: ServerResponse, location: string, session: string): void {
    res.writeHead(303, {
      location,
      'cache-control': 'no-store',
      'set-cookie': sessionCookie(session, this.settings.redirectUri),
    });
    res.end();
  }
}

function sessionId(req: IncomingMessage): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

/** httpOnly (no script reads it), SameSite=Lax (sent on the redirect back from Latchkey, not on another site's POST). */
function sessionCookie(value: string, origin: string): string {
  const secure = new URL(origin).protocol === 'https:' ? '; Secure' : '';
  const expiry = value ? '' : '; Max-Age=0';
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${secure}${expiry}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy(new Error('request body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
