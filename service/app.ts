import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { ServiceContext } from './context.ts';
import { html } from './html.ts';
import { apiPlugin } from './api/plugin.ts';
import { accountRoutes } from './pages/account-routes.ts';
import { page } from './pages/layout.ts';
import { loginRoutes } from './pages/login-routes.ts';
import { recoveryRoutes } from './pages/recovery-routes.ts';
import { resetRoutes } from './pages/reset-routes.ts';
import { STYLESHEET } from './pages/styles.ts';
import { csrfValid, sendPage } from './pages/web.ts';

/** Redacts bearer secrets from any URL that reaches a log line. */
export const redactUrl = (url: string): string =>
  url.replace(/\/reset\/[^/?#]+/, '/reset/[redacted]');

const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function securityHeaders(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, p: unknown) => void,
) {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  // Tokens travel in links and cookies: never leak them in a Referer or a cache (R19).
  reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  done(null, payload);
}

function forbidden(reply: FastifyReply) {
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

/** The account service as a Fastify app; `server.ts` listens, tests use it on loopback. */
export async function buildApp(
  ctx: ServiceContext,
  options: { logger?: boolean } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 64 * 1024,
    logger: options.logger
      ? {
          level: ctx.config.logLevel,
          serializers: {
            req: (req) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
          },
        }
      : false,
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.addHook('onSend', securityHeaders);
  app.addHook('preValidation', async (request, reply) => {
    if (request.method === 'POST' && !request.url.startsWith('/api/') && !csrfValid(request))
      return forbidden(reply);
  });

  app.get('/healthz', async (_request, reply) => {
    await sql`select 1`.execute(ctx.db);
    return reply.send({ status: 'ok', searchIndex: ctx.search.indexState });
  });
  app.get('/static/latchkey.css', async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(STYLESHEET),
  );
  loginRoutes(app, ctx);
  recoveryRoutes(app, ctx);
  resetRoutes(app, ctx);
  accountRoutes(app, ctx);

  app.setNotFoundHandler((request, reply) =>
    request.url.startsWith('/api/')
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
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    const message =
      status === 413
        ? 'What you sent is too large.'
        : status === 500
          ? 'Something went wrong on our side. Try again in a moment.'
          : 'This request could not be understood.';
    return sendPage(
      reply,
      status,
      page({
        title: status === 500 ? 'Something Went Wrong' : 'Request Refused',
        body: html`<p>${message}</p>
          <p class="links"><a href="/login">Back to Log In</a></p>`,
      }),
    );
  });
  // Registered after the page error handler so the API's own handler stays scoped to /api.
  await app.register((api) => apiPlugin(api, ctx));
  return app;
}
