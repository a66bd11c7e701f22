import type { FastifyCsrfProtectionOptions } from '@fastify/csrf-protection';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { servedOverHttps, type Config } from '../config.ts';
import type { ServiceContext } from '../context.ts';
import { withinLimit } from '../domain/rate-limits.ts';
import { html } from '../html.ts';
import { page, type FieldErrors } from './layout.ts';

/** The names of the pages' cookies under this config. */
export interface CookieNames {
  session: string;
  reset: string;
  csrf: string;
  /** The product (client id) a forgotten-password flow started from, to lead back to it. */
  product: string;
}

const PLAIN_NAMES: CookieNames = {
  session: 'lk_session',
  reset: 'lk_reset',
  csrf: 'lk_csrf',
  product: 'lk_product',
};
// RFC 6265bis §4.1.3.2: a `__Host-` cookie is only accepted with Secure, Path=/ and no Domain,
// so no sibling subdomain can plant or overwrite it (R62). Browsers refuse it over http.
const HOST_NAMES: CookieNames = {
  session: '__Host-lk_session',
  reset: '__Host-lk_reset',
  csrf: '__Host-lk_csrf',
  product: '__Host-lk_product',
};

/** The cookie names: `__Host-` prefixed when the public URL is https. */
export function cookieNames(config: Config): CookieNames {
  return servedOverHttps(config) ? HOST_NAMES : PLAIN_NAMES;
}

/** Cookie attributes: HttpOnly and Path=/ always, Secure when the public URL is https. */
export function cookieOptions(ctx: ServiceContext, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: servedOverHttps(ctx.config),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

/**
 * What a CSRF token is bound to besides its browser's secret cookie: the sign-in session's cookie,
 * so a token minted for one session (or for nobody) is refused in another (OWASP CSRF CS,
 * "signed double-submit cookie").
 */
export function csrfBinding(config: Config, request: FastifyRequest): string {
  const session = request.cookies[cookieNames(config).session];
  return session ? `session:${session}` : 'anonymous';
}

/**
 * @fastify/csrf-protection's options: the secret lives in an HttpOnly, SameSite=Strict cookie;
 * each form's token is an HMAC under CSRF_SECRET (shared by every process) of that secret and
 * of `csrfBinding`; only the form field `_csrf` carries it.
 */
export function csrfOptions(ctx: ServiceContext): FastifyCsrfProtectionOptions {
  return {
    cookieKey: cookieNames(ctx.config).csrf,
    cookieOpts: { ...cookieOptions(ctx), sameSite: 'strict' },
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
    getUserInfo: (request) => csrfBinding(ctx.config, request),
    csrfOpts: { hmacKey: ctx.config.csrfSecret, userInfo: true },
  };
}

const issued = new WeakMap<FastifyRequest, string>();

/** The token for this request's forms; sets the secret cookie on first sight (R71, OWASP CSRF CS). */
export function csrfToken(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): string {
  // A second secret in one answer would replace the first cookie and void the first token.
  const token =
    issued.get(request) ?? reply.generateCsrf({ userInfo: csrfBinding(ctx.config, request) });
  issued.set(request, token);
  return token;
}

/** Sends a page with the status given. */
export function sendPage(reply: FastifyReply, status: number, markup: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(markup);
}

/** Parses a form with its schema; answers the data or the message for each bad field. */
export function parseForm<T extends z.ZodType>(
  schema: T,
  body: unknown,
): { data: z.infer<T>; errors?: undefined } | { data?: undefined; errors: FieldErrors } {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { data: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issue.message;
  }
  return { errors };
}

/** Counts one request from this client against a per-IP limit (R20, R43, R46). */
export function ipWithinLimit(
  ctx: ServiceContext,
  request: FastifyRequest,
  route: string,
  limit: number,
  windowMs: number,
): Promise<boolean> {
  return withinLimit(ctx.plannedDb, ctx.clock, `ip:${route}:${request.ip}`, limit, windowMs);
}

/** The page for too many requests from one address. */
export function tooManyRequests(reply: FastifyReply): FastifyReply {
  reply.header('retry-after', '300');
  return sendPage(
    reply,
    429,
    page({
      title: 'Please wait',
      body: html`<p>
          There have been too many attempts from your network. Wait a few minutes, then try again.
        </p>
        <p><a href="/login">Back to Log In</a></p>`,
    }),
  );
}
