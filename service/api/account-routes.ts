import type { FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { accountInScope } from '../domain/admin/action-runner.ts';
import { holds } from '../../common/api/permission-rules.ts';
import { visibleOrganizations } from '../domain/admin/permissions.ts';
import { ApiProblem } from './api-problem.ts';
import { etagOf } from '../../common/api/etags.ts';
import { loadAccountView } from '../domain/admin/account-view.ts';
import { ACTION_SPECS } from '../domain/admin/actions/registry.ts';
import { holdersAction } from '../domain/admin/actions/holders-action.ts';
import { resendMailAction } from '../domain/admin/actions/resend-mail.ts';
import { InvalidCursor } from '../search/index.ts';
import { bind } from './bind.ts';
import { runRequested, withEtag } from './requested-actions.ts';

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
    const result = await runRequested(ctx, admin, request, {
      accountId: params.id,
      action: params.action,
      spec: ACTION_SPECS[params.action],
      body,
    });
    return withEtag(reply, result);
  });

  bind(app, ctx, API.resendMail, async ({ params, body, admin, request, reply }) => {
    const result = await runRequested(ctx, admin, request, {
      accountId: params.id,
      action: 'resend-mail',
      spec: resendMailAction(params.mailId),
      body,
      fingerprint: { mailId: params.mailId },
    });
    return withEtag(reply, result);
  });

  bind(app, ctx, API.setHolders, async ({ params, body, admin, request, reply }) => {
    const { holders, ...rest } = body;
    const result = await runRequested(ctx, admin, request, {
      accountId: params.id,
      action: 'set-holders',
      spec: holdersAction(holders),
      body: rest,
      fingerprint: { holders },
    });
    return withEtag(reply, result);
  });
}
