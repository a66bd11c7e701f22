import type { FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import {
  checkConversionUsernames,
  conversionPlan,
} from '../domain/admin/actions/conversion-plan.ts';
import { conversionAction } from '../domain/admin/actions/convert-shared-login.ts';
import { bind } from './bind.ts';
import { runRequested, withEtag } from './requested-actions.ts';

/** Converting shared logins: the plan, the username check, and the conversion itself. */
export function sharedLoginRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.conversionPlan, async ({ params, admin }) =>
    conversionPlan(ctx.db, admin, params.id),
  );

  bind(app, ctx, API.checkUsernames, async ({ params, body, admin }) =>
    checkConversionUsernames(ctx.db, admin, params.id, body.usernames),
  );

  bind(app, ctx, API.convertSharedLogin, async ({ params, body, admin, request, reply }) => {
    const { usernames, ...rest } = body;
    const result = await runRequested(ctx, admin, request, {
      accountId: params.id,
      action: 'convert-shared-login',
      spec: conversionAction(usernames),
      body: rest,
      // The chosen usernames belong in the Idempotency-Key's request hash (R84).
      fingerprint: { usernames: usernames ?? null },
    });
    return withEtag(reply, result);
  });
}
