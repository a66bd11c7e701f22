import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { withinLimit } from '../domain/rate-limits.ts';
import { html } from '../html.ts';
import { newToken, safeEqual } from '../ids.ts';
import { page, type FieldErrors } from './layout.ts';

export const COOKIES = { session: 'lk_session', reset: 'lk_reset', csrf: 'lk_csrf' } as const;

/** Cookie attributes: HttpOnly always, Secure when the public URL is https. */
export function cookieOptions(ctx: ServiceContext, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.publicUrl.startsWith('https:'),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

/** The request's CSRF token, set as a cookie on first sight (double submit; forms echo it). */
export function csrfToken(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): string {
  const existing = request.cookies[COOKIES.csrf];
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = newToken();
  reply.setCookie(COOKIES.csrf, token, { ...cookieOptions(ctx), sameSite: 'strict' });
  request.cookies[COOKIES.csrf] = token;
  return token;
}

/** True when a form post carries the token of its own browser's cookie. */
export function csrfValid(request: FastifyRequest): boolean {
  const cookie = request.cookies[COOKIES.csrf];
  const body = request.body as Record<string, unknown> | undefined;
  const sent = typeof body?._csrf === 'string' ? body._csrf : '';
  return Boolean(cookie) && safeEqual(sent, cookie ?? '');
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
  return withinLimit(ctx.db, ctx.clock, `ip:${route}:${request.ip}`, limit, windowMs);
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
