import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPair } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { recordAudit } from '../domain/audit.ts';
import { adminSignIn, confirmTotp, enrolTotp } from '../domain/admin/admin-sign-in.ts';
import { familyOf, revokeFamily, rotateRefreshToken } from '../domain/admin/api-tokens.ts';
import { loadAdminIdentity } from '../domain/admin/permissions.ts';
import { withinLimit } from '../domain/rate-limits.ts';
import { ApiProblem } from './api-problem.ts';
import { bind } from './bind.ts';

const BAD_CREDENTIALS =
  'The username, password or code is not right, or this account cannot use the console.';

/**
 * Password and code guesses per client address, shared by sign-in, enrolment and confirmation:
 * as many as Log In allows (a helpdesk behind one NAT signs in together at shift change; the
 * account lockout is what stops guessing one account).
 */
export const AUTH_ATTEMPTS_PER_CLIENT = 100;
const AUTH_WINDOW_MS = 5 * 60_000;

/**
 * Counts the request against its client's limit in the shared store before any hash runs, so
 * it holds across processes (R43, R46); past it, 429 without checking anything.
 */
async function limitClient(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply) {
  const bucket = `ip:api-auth:${request.ip}`;
  if (await withinLimit(ctx.plannedDb, ctx.clock, bucket, AUTH_ATTEMPTS_PER_CLIENT, AUTH_WINDOW_MS))
    return;
  reply.header('retry-after', String(AUTH_WINDOW_MS / 1000));
  throw new ApiProblem(
    'rate_limited',
    'Too many sign-in attempts from this address. Wait a few minutes, then try again.',
  );
}

/** Sign-in with TOTP, enrolment, refresh rotation and sign-out. */
export function authRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.signIn, async ({ body, request, reply }): Promise<TokenPair> => {
    await limitClient(ctx, request, reply);
    const result = await adminSignIn(ctx, { ...body, ip: request.ip });
    switch (result.kind) {
      case 'signed_in':
        return { ...result.tokens, admin: result.admin };
      case 'totp_required':
        throw new ApiProblem(
          'totp_required',
          'Enter the six-digit code from your authenticator app.',
          'totp',
        );
      case 'totp_invalid':
        throw new ApiProblem(
          'totp_invalid',
          'That code is not right or was already used. Wait for the next code.',
          'totp',
        );
      case 'totp_enrollment_required':
        throw new ApiProblem(
          'totp_enrollment_required',
          'Set up an authenticator app first (POST /api/v1/auth/totp/enrol).',
        );
      case 'must_change_password':
        throw new ApiProblem(
          'forbidden',
          'This account must change its password first: sign in on the Log In page.',
        );
      case 'failed':
        throw new ApiProblem('unauthorized', BAD_CREDENTIALS);
    }
  });

  bind(app, ctx, API.enrolTotp, async ({ body, request, reply }) => {
    await limitClient(ctx, request, reply);
    const result = await enrolTotp(ctx, { ...body, ip: request.ip });
    if (result.kind === 'failed') throw new ApiProblem('unauthorized', BAD_CREDENTIALS);
    if (result.kind === 'already_enrolled')
      throw new ApiProblem('conflict', 'An authenticator app is already set up for this account.');
    return {
      otpauthUri: result.otpauthUri,
      secret: result.secret,
      recoveryCodes: result.recoveryCodes,
    };
  });

  bind(app, ctx, API.confirmTotp, async ({ body, request, reply }) => {
    await limitClient(ctx, request, reply);
    const result = await confirmTotp(ctx, { ...body, ip: request.ip });
    if (result.kind === 'failed') throw new ApiProblem('unauthorized', BAD_CREDENTIALS);
    if (result.kind === 'totp_invalid')
      throw new ApiProblem(
        'totp_invalid',
        'That code is not right. Check the app’s clock and try the next code.',
        'totp',
      );
    return { ok: true as const };
  });

  bind(app, ctx, API.refresh, async ({ body, request }): Promise<TokenPair> => {
    const outcome = await ctx.db
      .transaction()
      .execute((trx) => rotateRefreshToken(trx, ctx.clock, body.refreshToken));
    if (outcome.kind === 'reused') {
      await recordAudit(ctx.db, ctx.clock, {
        type: 'admin_token_reuse',
        accountId: outcome.accountId,
        ip: request.ip,
        actor: 'system',
      });
    }
    const admin =
      outcome.kind === 'rotated' ? await loadAdminIdentity(ctx.db, outcome.accountId) : undefined;
    if (outcome.kind !== 'rotated' || !admin)
      throw new ApiProblem('unauthorized', 'Sign in again: the session has ended.');
    return { ...outcome.tokens, admin };
  });

  bind(app, ctx, API.signOut, async ({ body, request }) => {
    const family = await familyOf(ctx.db, body.refreshToken);
    if (family) {
      await revokeFamily(ctx.db, ctx.clock, family.familyId);
      await recordAudit(ctx.db, ctx.clock, {
        type: 'admin_sign_out',
        accountId: family.accountId,
        ip: request.ip,
      });
    }
    return { ok: true as const };
  });

  bind(app, ctx, API.me, async ({ admin }) => admin);
}
