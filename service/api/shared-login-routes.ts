import type { FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { runAction } from '../domain/admin/action-runner.ts';
import { etagOf, versionFromIfMatch } from '../../common/api/etags.ts';
import {
  checkConversionUsernames,
  conversionPlan,
} from '../domain/admin/actions/conversion-plan.ts';
import { conversionAction } from '../domain/admin/actions/convert-shared-login.ts';
import { bind } from './bind.ts';

const header = (value: string | string[] | undefined) =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

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
    const ifMatch = header(request.headers['if-match']);
    const key = header(request.headers['idempotency-key']);
    const result = await runAction(ctx, admin, {
      accountId: params.id,
      action: 'convert-shared-login',
      spec: conversionAction(usernames),
      request: rest,
      ifMatchPresent: ifMatch !== undefined,
      ifMatch: versionFromIfMatch(ifMatch),
      idempotencyKey: key && key.length <= 200 ? key : undefined,
      ip: request.ip,
      // The chosen usernames belong in the Idempotency-Key's request hash (R84).
      fingerprint: { usernames: usernames ?? null },
    });
    reply.header('etag', etagOf(result.version));
    return result;
  });
}
