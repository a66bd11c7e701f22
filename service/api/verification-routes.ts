import type { FastifyInstance } from 'fastify';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { accountInScope, assertMayAct } from '../domain/admin/action-runner.ts';
import {
  checkVerificationCode,
  sendVerificationCode,
  verifyByAnswer,
} from '../domain/admin/caller-verification.ts';
import { bind } from './bind.ts';

/** Verifying a caller is the first step of acting for them: the same power rule applies. */
async function verifiable(ctx: ServiceContext, admin: AdminIdentity, accountId: string) {
  const account = await accountInScope(ctx.db, admin, accountId);
  await assertMayAct(ctx.db, admin, account, 'read_accounts');
  return account;
}

/** Caller verification (SPEC §3): a spoken answer, or an emailed code read back. */
export function verificationRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.startVerification, async ({ params, body, admin, request }) => {
    const account = await verifiable(ctx, admin, params.id);
    return body.method === 'answer'
      ? verifyByAnswer(ctx, admin, account, body.answer, request.ip)
      : sendVerificationCode(ctx, admin, account, request.ip);
  });
  bind(app, ctx, API.checkVerification, async ({ params, body, admin, request }) => {
    const account = await verifiable(ctx, admin, params.id);
    return checkVerificationCode(ctx, admin, account, params.verificationId, body.code, request.ip);
  });
}
