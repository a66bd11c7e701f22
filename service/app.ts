import { sql } from 'kysely';
import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Liveness } from '../common/api/health.ts';
import type { ServiceContext } from './context.ts';
import {
  clientErrorAnswer,
  errorPage,
  frameworkErrorAnswer,
  isApiUrl,
  RETRY_AFTER_SECONDS,
  statusOf,
} from './error-answers.ts';
import { html } from './html.ts';
import { apiPlugin } from './api/plugin.ts';
import { ProductSignIns } from './oidc/interactions.ts';
import { mountProvider, ProviderHolder } from './oidc/mount.ts';
import { accountRoutes } from './pages/account-routes.ts';
import { interactionRoutes } from './pages/interaction-routes.ts';
import { page } from './pages/layout.ts';
import { productFooter } from './pages/product-footer.ts';
import { loginRoutes } from './pages/login-routes.ts';
import { recoveryRoutes } from './pages/recovery-routes.ts';
import { resetRoutes } from './pages/reset-routes.ts';
import { STYLESHEET } from './pages/styles.ts';
import { csrfOptions, sendPage } from './pages/web.ts';
import { Readiness } from './readiness.ts';
import { registerSecurityHeaders, securityHeadersOf } from './security-headers.ts';
import { describeOutage, storeOutageOf } from './store/store-errors.ts';

// The emailed link is /reset/<token>; the named steps of the flow stay readable in logs.
const RESET_TOKEN = /\/reset\/(?!(?:challenge|password|done)(?:[/?#]|$))[^/?#]+/g;

// OpenID Connect parameters that carry a token: RP-initiated logout's id_token_hint, and the
// like should a product put one in an address.
const TOKEN_PARAMETER =
  /([?&](?:id_token_hint|logout_token|code|access_token|refresh_token)=)[^&#]*/g;

/** Redacts bearer secrets (the reset link's token, OIDC tokens) from any URL that reaches a log line (R72, R76). */
export const redactUrl = (url: string): string =>
  url.replace(RESET_TOKEN, '/reset/[redacted]').replace(TOKEN_PARAMETER, '$1[redacted]');

/** The answer to a form post whose CSRF token is missing, forged or from another session. */
function formExpired(reply: FastifyReply) {
  return sendPage(
    reply,
    403,
    page({
      title: 'Form Expired',
      body: html`<p>
          This form has expired or did not come from this site. Go back, reload the page and try
          again.
        </p>
        <p class="links"><a href="/login">Back to Log In</a></p>`,
    }),
  );
}

/** The readiness of an app built without one (tests): no dispatcher to watch. */
const readinessOf = (ctx: ServiceContext) =>
  new Readiness({
    store: { db: ctx.db, dialect: ctx.dialect },
    clock: ctx.clock,
    search: ctx.search,
    budgets: {
      indexBuildMs: ctx.config.readyIndexBuildMs,
      mailStallMs: ctx.config.readyMailStallMs,
    },
  });

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's OpenID Connect provider (service/oidc). */
    oidc: ProviderHolder;
  }
}

/** The account service as a Fastify app; `server.ts` listens, tests use it on loopback. */
export async function buildApp(
  ctx: ServiceContext,
  options: { logger?: boolean; readiness?: Readiness } = {},
): Promise<FastifyInstance> {
  const readiness = options.readiness ?? readinessOf(ctx);
  const headers = await securityHeadersOf(ctx.config);
  const app = Fastify({
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 64 * 1024,
    frameworkErrors: frameworkErrorAnswer(headers),
    clientErrorHandler: clientErrorAnswer(headers),
    logger: options.logger
      ? {
          level: ctx.config.logLevel,
          serializers: {
            req: (req) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
          },
        }
      : false,
  });
  const oidc = new ProviderHolder(ctx, (message, fields) => app.log.error(fields, message));
  await oidc.provider();
  oidc.start();
  app.decorate('oidc', oidc);
  // First: the provider's addresses are answered by oidc-provider, before any other hook.
  mountProvider(app, oidc, headers);
  await registerSecurityHeaders(app, ctx.config);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(csrfProtection, csrfOptions(ctx));
  // Form tokens are read from the parsed body, so the check runs at preValidation (after the
  // parser), not onRequest. The API takes bearer tokens only, never cookies (R71).
  app.addHook('preValidation', (request, reply, done) => {
    if (request.method !== 'POST' || isApiUrl(request.url)) return done();
    app.csrfProtection(request, reply, done);
  });

  // A store that fails (down, full, read-only) is an incident, not a bug: logged once here with
  // its kind, answered 503 by the error handlers, and remembered by readiness (issue 18).
  app.addHook('onError', async (request, reply, error) => {
    const outage = storeOutageOf(error);
    if (!outage) return;
    readiness.noteOutage(outage);
    request.log.error({ store: outage.kind, code: outage.code }, describeOutage(outage));
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  });

  // SPEC §5's stable contract: 200 when the store answers (a read; /readyz checks writes and the
  // rest). While the database is away the outage handler above answers 503.
  app.get('/healthz', async (_request, reply) => {
    await sql`select 1`.execute(ctx.db);
    const body: Liveness = { status: 'ok', searchIndex: ctx.search.indexState };
    return reply.header('cache-control', 'no-store').send(body);
  });
  app.get('/readyz', async (_request, reply) => {
    const report = await readiness.check();
    return reply
      .code(report.status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(report);
  });
  app.get('/static/latchkey.css', async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(STYLESHEET),
  );
  productFooter(app, ctx);
  const signIns = new ProductSignIns(ctx, oidc);
  loginRoutes(app, ctx, signIns);
  interactionRoutes(app, ctx, signIns);
  recoveryRoutes(app, ctx, signIns);
  resetRoutes(app, ctx, signIns);
  accountRoutes(app, ctx, signIns);

  app.setNotFoundHandler((request, reply) =>
    isApiUrl(request.url)
      ? reply.code(404).send({ error: { code: 'not_found', message: 'No such API operation.' } })
      : sendPage(
          reply,
          404,
          page({
            title: 'Page Not Found',
            body: html`<p>There is no page at this address.</p>
              <p class="links"><a href="/login">Log In</a></p>`,
          }),
        ),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code?.startsWith('FST_CSRF_')) return formExpired(reply);
    const status = statusOf(error);
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return sendPage(reply, status, errorPage(status));
  });
  // Registered after the page error handler so the API's own handler stays scoped to /api.
  await app.register((api) => apiPlugin(api, ctx));
  return app;
}
