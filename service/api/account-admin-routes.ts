import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountChange, AccountChangeResult } from '../../common/api/account-admin.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { findAccountById } from '../domain/accounts.ts';
import { accountInScope } from '../domain/admin/action-runner.ts';
import { etagOf } from '../../common/api/etags.ts';
import { loadAccountView } from '../domain/admin/account-view.ts';
import { createAccountAsAdmin, usernameProblem } from '../domain/admin/account-creation.ts';
import {
  editIdentityAction,
  moveAction,
  NothingChanged,
  productAccessAction,
} from '../domain/admin/actions/account-changes.ts';
import { bind } from './bind.ts';
import { runRequested, withEtag, type RequestedAction } from './requested-actions.ts';

/** Runs an account change like an action; one that changes nothing writes nothing and says so. */
async function change(
  ctx: ServiceContext,
  admin: AdminIdentity,
  request: FastifyRequest,
  reply: FastifyReply,
  requested: RequestedAction<AccountChange>,
): Promise<AccountChangeResult> {
  try {
    const result = await runRequested(ctx, admin, request, requested);
    return withEtag(reply, { ...result, changes: result.changes ?? [] });
  } catch (error) {
    if (!(error instanceof NothingChanged)) throw error;
    const account = await accountInScope(ctx.db, admin, requested.accountId);
    return withEtag(reply, {
      action: requested.action,
      summary: `Nothing to change: ${account.username} already has these values.`,
      version: account.version,
      mailIds: [],
      changes: [],
    });
  }
}

/** Account administration (issue 16): create, check a username, edit identity, products, move. */
export function accountAdminRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.createAccount, async ({ body, admin, request, reply }) => {
    const created = await createAccountAsAdmin(ctx, admin, body, request.ip);
    const account = (await findAccountById(ctx.db, created.id)) ?? created;
    const view = await loadAccountView(ctx.db, ctx.clock, account);
    reply.header('etag', etagOf(view.version));
    reply.header('location', `/api/v1/accounts/${account.id}`);
    return view;
  });

  bind(app, ctx, API.checkUsername, async ({ body, admin }) => ({
    username: body.username.trim(),
    problem: await usernameProblem(ctx, admin, body.username, body.accountId),
  }));

  bind(app, ctx, API.editIdentity, async ({ params, body, admin, request, reply }) => {
    const { reason, ticket, ...fields } = body;
    return change(ctx, admin, request, reply, {
      accountId: params.id,
      action: 'edit-identity',
      spec: editIdentityAction(fields),
      body: { reason, ticket },
      fingerprint: fields,
    });
  });

  bind(app, ctx, API.setProducts, async ({ params, body, admin, request, reply }) => {
    const { products, reason, ticket } = body;
    return change(ctx, admin, request, reply, {
      accountId: params.id,
      action: 'set-products',
      spec: productAccessAction(products),
      body: { reason, ticket },
      fingerprint: { products },
    });
  });

  bind(app, ctx, API.moveAccount, async ({ params, body, admin, request, reply }) => {
    const { organizationId, reason, ticket } = body;
    return change(ctx, admin, request, reply, {
      accountId: params.id,
      action: 'move-organization',
      spec: moveAction(organizationId),
      body: { reason, ticket },
      fingerprint: { organizationId },
    });
  });
}
