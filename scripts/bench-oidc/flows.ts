import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decodeJwt } from 'jose';
import { CookieJarBrowser, fieldOf } from './browser.ts';

/** What the product side of the benchmark knows: Latchkey's address and its client. */
export interface ProductClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** Milliseconds of one product sign-in, whole and by step. */
export interface ProductSignInTimes {
  total: number;
  /** The authorization request, redirected to Log In (its page read). */
  toLogIn: number;
  /** The Log In post with the interaction, redirected back with the code. */
  toCode: number;
  /** The code exchanged at the token endpoint with the PKCE verifier. */
  toToken: number;
}

const random = () => randomBytes(32).toString('base64url');

/**
 * A product sign-in from a browser with no Latchkey session: the authorization request (PKCE
 * S256, state, nonce), Latchkey's Log In posted with the interaction, the redirect back with the
 * code, and the code redeemed at the token endpoint (client_secret_basic). Throws unless an ID
 * token for this nonce comes back.
 */
export async function productSignIn(
  client: ProductClient,
  identifier: string,
  password: string,
): Promise<ProductSignInTimes> {
  const browser = new CookieJarBrowser();
  const verifier = random();
  const state = random();
  const nonce = random();
  const authorization = new URL('/oidc/auth', client.issuer);
  authorization.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: 'openid profile email organization products',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    nonce,
  }).toString();

  const started = performance.now();
  const logIn = await browser.follow(await browser.get(authorization));
  const interaction = fieldOf(logIn.body, 'interaction');
  const shown = performance.now();
  const posted = await browser.postForm(new URL('/login', client.issuer), {
    identifier,
    password,
    interaction,
    _csrf: fieldOf(logIn.body, '_csrf'),
  });
  const back = (await browser.follow(posted, client.redirectUri)).location;
  const code = back?.searchParams.get('code');
  if (!code || back?.searchParams.get('state') !== state)
    throw new Error(
      `no code for this state: ${posted.status} ${back?.href ?? posted.body.slice(0, 200)}`,
    );
  const coded = performance.now();
  const idToken = await redeem(client, code, verifier);
  const done = performance.now();
  if (decodeJwt(idToken).nonce !== nonce) throw new Error('the ID token is for another nonce');
  return {
    total: done - started,
    toLogIn: shown - started,
    toCode: coded - shown,
    toToken: done - coded,
  };
}

async function redeem(client: ProductClient, code: string, verifier: string): Promise<string> {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  const response = await fetch(new URL('/oidc/token', client.issuer), {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as { id_token?: string; error?: string };
  if (response.status !== 200 || !body.id_token)
    throw new Error(`token endpoint: ${response.status} ${body.error ?? 'no id_token'}`);
  return body.id_token;
}

/**
 * A bare sign-in at Latchkey from a browser with no session: Log In read, posted, and the
 * redirect to the home page. Answers its milliseconds.
 */
export async function bareSignIn(
  issuer: string,
  identifier: string,
  password: string,
): Promise<number> {
  const browser = new CookieJarBrowser();
  const started = performance.now();
  const logIn = await browser.get(new URL('/login', issuer));
  const posted = await browser.postForm(new URL('/login', issuer), {
    identifier,
    password,
    _csrf: fieldOf(logIn.body, '_csrf'),
  });
  const took = performance.now() - started;
  if (posted.status !== 303 || posted.location?.pathname !== '/')
    throw new Error(`Log In answered ${posted.status} ${posted.location?.href ?? ''}`);
  return took;
}
