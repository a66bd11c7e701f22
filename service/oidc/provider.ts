import Provider, {
  interactionPolicy,
  type Client,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { servedOverHttps } from '../config.ts';
import { withFormAction } from '../security-headers.ts';
import type { ServiceContext } from '../context.ts';
import { recordAudit } from '../domain/audit.ts';
import { endSession, findSession } from '../domain/sessions.ts';
import { cookieNames, cookieOptions } from '../pages/web.ts';
import { StoreAdapter } from './adapter.ts';
import { findProviderAccount, mayUseProduct, SCOPE_CLAIMS } from './claims.ts';
import { findClient, secretMatches } from './clients.ts';
import { LONGEST_SIGNED_TOKEN_MS, SIGNING_ALG, type ProviderKeys } from './keys.ts';
import { queueProductLogout } from './product-sessions.ts';
import { logoutSource, postLogoutSuccessSource, renderError } from './provider-pages.ts';

const { Check } = interactionPolicy;

/** Where the provider's endpoints live (discovery stays at /.well-known/openid-configuration). */
export const PROVIDER_PREFIX = '/oidc';

/** The path the provider sends a browser to when a person must sign in: the Log In page's door. */
export const interactionPath = (uid: string): string => `/interaction/${uid}`;

/**
 * The provider's cookie names: its session, the interaction in progress, the resume step. Over
 * https they carry the prefixes browsers enforce (R62): `__Host-` (Secure, Path=/, no Domain)
 * where the path is /, `__Secure-` for the resume cookie, whose path is the resume step's own.
 */
export function providerCookieNames(https: boolean) {
  return {
    session: `${https ? '__Host-' : ''}lk_oidc_session`,
    interaction: `${https ? '__Host-' : ''}lk_oidc_interaction`,
    resume: `${https ? '__Secure-' : ''}lk_oidc_resume`,
  };
}

/** The provider counts lifetimes in seconds. */
const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;

/** The Latchkey sign-in session of the browser making this provider request, if it is full. */
async function latchkeyAccount(ctx: ServiceContext, koa: KoaContextWithOIDC) {
  const cookie = koa.cookies.get(cookieNames(ctx.config).session, { signed: false });
  const session = await findSession(ctx.db, ctx.clock, cookie);
  return session?.kind === 'full' ? session.account.id : undefined;
}

/** "Sign out everywhere" from a product (RP-initiated logout) signs the browser out of Latchkey too. */
async function endLatchkeySession(
  ctx: ServiceContext,
  cookies: KoaContextWithOIDC['cookies'],
  ip: string,
  clientId: string | undefined,
): Promise<void> {
  const name = cookieNames(ctx.config).session;
  const session = await findSession(ctx.db, ctx.clock, cookies.get(name, { signed: false }));
  if (!session) return;
  await endSession(ctx.db, ctx.clock, session.id);
  await recordAudit(ctx.db, ctx.clock, {
    type: 'sign_out',
    accountId: session.account.id,
    organizationId: session.account.organization_id,
    ip,
    detail: { via: 'product', clientId: clientId ?? null },
  });
  cookies.set(name, null, { ...cookieOptions(ctx), signed: false });
}

/**
 * The default prompts plus Latchkey's two rules:
 * - single sign-on follows the Latchkey session: without a full one for the same account (signed
 *   out, ended by a password change, disabled), the person signs in again on Log In;
 * - a product the account may not use (account_products) is refused with `access_denied`.
 */
function interactionRules(ctx: ServiceContext) {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new Check(
      'latchkey_session',
      'End-User authentication is required',
      'login_required',
      async (koa: KoaContextWithOIDC) => {
        const signedIn = await latchkeyAccount(ctx, koa);
        return signedIn !== undefined && signedIn === koa.oidc.session?.accountId
          ? Check.NO_NEED_TO_PROMPT
          : Check.REQUEST_PROMPT;
      },
    ),
  );
  policy.get('consent')?.checks.add(
    new Check(
      'product_access',
      'the account may not use this product',
      'access_denied',
      async (koa: KoaContextWithOIDC) => {
        const accountId = koa.oidc.session?.accountId;
        const client = koa.oidc.client && (await findClient(ctx.db, koa.oidc.client.clientId));
        return accountId && client && (await mayUseProduct(ctx.db, accountId, client.productId))
          ? Check.NO_NEED_TO_PROMPT
          : Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}

/** Every endpoint under PROVIDER_PREFIX. */
const ROUTES = Object.fromEntries(
  Object.entries({
    authorization: '/auth',
    backchannel_authentication: '/backchannel',
    code_verification: '/device',
    challenge: '/challenge',
    device_authorization: '/device/auth',
    end_session: '/session/end',
    introspection: '/token/introspection',
    jwks: '/jwks',
    pushed_authorization_request: '/request',
    registration: '/reg',
    revocation: '/token/revocation',
    token: '/token',
    userinfo: '/me',
    credential: '/credential',
  }).map(([name, path]) => [name, `${PROVIDER_PREFIX}${path}`]),
);

/** oidc-provider's configuration: code flow with PKCE only, keys and state in the store. */
export function providerConfiguration(ctx: ServiceContext, keys: ProviderKeys): Configuration {
  const secure = servedOverHttps(ctx.config);
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure };
  return {
    adapter: (model: string) => new StoreAdapter(ctx.db, ctx.clock, model),
    findAccount: (_koa, sub) => findProviderAccount(ctx.db, sub),
    jwks: { keys: keys.signing },
    cookies: {
      keys: keys.cookie,
      names: providerCookieNames(secure),
      long: cookie,
      // Path / (not the interaction's own path): the must-change and security-question steps
      // of a product sign-in are on other pages, and they continue the same interaction.
      short: { ...cookie, path: '/' },
    },
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([k, v]) => [k, [...v]])),
    scopes: [
      'openid',
      'offline_access',
      ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid'),
    ],
    // The issue asks for the claims in the ID token, not only from userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: [SIGNING_ALG],
      userinfoSigningAlgValues: [SIGNING_ALG],
      // No HMAC anywhere: a client's `client_secret` field holds a hash, never a key.
      requestObjectSigningAlgValues: [SIGNING_ALG, 'PS256', 'ES256'],
      clientAuthSigningAlgValues: [SIGNING_ALG, 'PS256', 'ES256'],
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: { enabled: false },
      dPoP: { enabled: false },
    },
    interactions: {
      url: (_koa, interaction) => interactionPath(interaction.uid),
      policy: interactionRules(ctx),
    },
    routes: ROUTES,
    rotateRefreshToken: () => true,
    renderError,
    // Browsers may call the token and userinfo endpoints only from a client's own origins.
    clientBasedCORS: (_koa, origin, client) =>
      (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin),
    ttl: {
      AccessToken: 10 * MINUTE,
      AuthorizationCode: MINUTE,
      IdToken: LONGEST_SIGNED_TOKEN_MS / 1000,
      Interaction: 60 * MINUTE,
      RefreshToken: 14 * DAY,
      Grant: 14 * DAY,
      Session: 14 * DAY,
      ClientCredentials: 10 * MINUTE,
      DeviceCode: 10 * MINUTE,
      BackchannelAuthenticationRequest: 10 * MINUTE,
      PreAuthorizedCode: 10 * MINUTE,
    },
  };
}

type ClientShim = Client & { clientSecret?: string };

/** The origins a client's browser flows end at: its redirect and post-logout URIs'. */
export const clientOrigins = (client: Pick<Client, 'redirectUris' | 'postLogoutRedirectUris'>) => [
  ...new Set(
    [...(client.redirectUris ?? []), ...(client.postLogoutRedirectUris ?? [])].map(
      (uri) => new URL(uri).origin,
    ),
  ),
];

/**
 * The provider, with two of its client behaviours replaced:
 * - a presented secret is compared with the stored SHA-256 (clients.ts `secretMatches`), since
 *   the store never holds a client secret;
 * - a back-channel logout (RP-initiated logout) is queued in the outbox the dispatcher works off,
 *   so a product that is down still gets it when it returns, instead of one attempt at once.
 */
export function createProvider(
  ctx: ServiceContext,
  keys: ProviderKeys,
  log: (message: string, fields: Record<string, unknown>) => void,
): Provider {
  const provider = new Provider(ctx.config.publicUrl, providerConfiguration(ctx, keys));
  // Reads the protocol and host that mount.ts `pinToIssuer` sets from PUBLIC_URL on every request.
  provider.proxy = true;
  const prototype = provider.Client.prototype as ClientShim;
  prototype.compareClientSecret = function (this: ClientShim, presented: string) {
    return typeof this.clientSecret === 'string' && secretMatches(this.clientSecret, presented);
  };
  prototype.backchannelLogout = async function (this: ClientShim, sub: string, sid: string) {
    await queueProductLogout(ctx.db, ctx.clock, { accountId: sub, clientId: this.clientId, sid });
    ctx.mailQueued();
  };
  provider.use(async (koa, next) => {
    await next();
    const oidc = (koa as Partial<KoaContextWithOIDC>).oidc;
    // The provider's own pages (logout confirmation, form-post responses) lead to the product.
    const csp = koa.response.get('content-security-policy');
    if (oidc?.client && csp)
      koa.set('content-security-policy', withFormAction(csp, clientOrigins(oidc.client)));
    if (oidc?.route === 'end_session_confirm' && oidc.params?.logout)
      await endLatchkeySession(ctx, koa.cookies, koa.ip, oidc.client?.clientId);
  });
  provider.on('server_error', (_koa, error: Error) =>
    log('openid provider error', { error: error.message }),
  );
  return provider;
}
