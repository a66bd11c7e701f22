import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionRequest, ActionResult } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { accountInScope, runAction, type ActionSpec } from '../domain/admin/action-runner.ts';
import { holds } from '../../common/api/permission-rules.ts';
import { visibleOrganizations } from '../domain/admin/permissions.ts';
import { ApiProblem } from './api-problem.ts';
import { etagOf, versionFromIfMatch } from '../../common/api/etags.ts';
import { loadAccountView } from '../domain/admin/account-view.ts';
import { ACTION_SPECS } from '../domain/admin/actions/registry.ts';
import { holdersAction } from '../domain/admin/actions/holders-action.ts';
import { resendMailAction } from '../domain/admin/actions/resend-mail.ts';
import { InvalidCursor } from '../search/index.ts';
import { bind } from './bind.ts';

function actionCall(
  request: FastifyRequest,
  accountId: string,
  action: ActionResult['action'],
  spec: ActionSpec,
  body: ActionRequest,
  fingerprint?: unknown,
) {
  const ifMatch = request.headers['if-match'];
  const key = request.headers['idempotency-key'];
  return {
    accountId,
    action,
    spec,
    request: body,
    ifMatchPresent: typeof ifMatch === 'string' && ifMatch.length > 0,
    ifMatch: versionFromIfMatch(typeof ifMatch === 'string' ? ifMatch : undefined),
    idempotencyKey:
      typeof key === 'string' && key.length > 0 && key.length <= 200 ? key : undefined,
    ip: request.ip,
    fingerprint,
  };
}

const act = (
  ctx: ServiceContext,
  admin: AdminIdentity,
  request: FastifyRequest,
  accountId: string,
  action: ActionResult['action'],
  spec: ActionSpec,
  body: ActionRequest,
  /** What the request said besides the body: it belongs in the Idempotency-Key's hash (R84). */
  fingerprint?: unknown,
) => runAction(ctx, admin, actionCall(request, accountId, action, spec, body, fingerprint));

/** The account view and the actions on it. */
export function accountRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.searchAccounts, async ({ query, admin }) => {
    if (!admin.grants.some((g) => g.permissions.includes('read_accounts'))) {
      throw new ApiProblem('forbidden', 'Your role does not allow searching accounts.');
    }
    const scope = { organizationIds: visibleOrganizations(admin) };
    return ctx.search.search(query, scope).catch((error: unknown) => {
      if (error instanceof InvalidCursor)
        throw new ApiProblem('validation_failed', error.message, 'cursor');
      throw error;
    });
  });

  bind(app, ctx, API.getAccount, async ({ params, admin, reply }) => {
    const account = await accountInScope(ctx.db, admin, params.id);
    if (!holds(admin, 'read_accounts', account.organization_id))
      throw new ApiProblem('forbidden', 'Your role does not allow reading accounts.');
    const view = await loadAccountView(ctx.db, ctx.clock, account);
    reply.header('etag', etagOf(view.version));
    return view;
  });

  bind(app, ctx, API.act, async ({ params, body, admin, request, reply }) => {
    // Strict bodies (R68): only the shared-login reset names a calling holder.
    if (body.holderId !== undefined && params.action !== 'reset-shared-login')
      throw new ApiProblem(
        'validation_failed',
        'Only “reset shared login” takes a holder.',
        'holderId',
      );
    const result = await act(
      ctx,
      admin,
      request,
      params.id,
      params.action,
      ACTION_SPECS[params.action],
      body,
    );
    reply.header('etag', etagOf(result.version));
    return result;
  });

  bind(app, ctx, API.resendMail, async ({ params, body, admin, request, reply }) => {
    const result = await act(
      ctx,
      admin,
      request,
      params.id,
      'resend-mail',
      resendMailAction(params.mailId),
      body,
      { mailId: params.mailId },
    );
    reply.header('etag', etagOf(result.version));
    return result;
  });

  bind(app, ctx, API.setHolders, async ({ params, body, admin, request, reply }) => {
    const { holders, ...rest } = body;
    const result = await act(
      ctx,
      admin,
      request,
      params.id,
      'set-holders',
      holdersAction(holders),
      rest,
      { holders },
    );
    reply.header('etag', etagOf(result.version));
    return result;
  });
}
