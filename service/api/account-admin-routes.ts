import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountChange, AccountChangeResult } from '../../common/api/account-admin.ts';
import type { ActionRequest } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { findAccountById } from '../domain/accounts.ts';
import { accountInScope, runAction, type ActionSpec } from '../domain/admin/action-runner.ts';
import { etagOf, versionFromIfMatch } from '../../common/api/etags.ts';
import { loadAccountView } from '../domain/admin/account-view.ts';
import { createAccountAsAdmin, usernameProblem } from '../domain/admin/account-creation.ts';
import {
  editIdentityAction,
  moveAction,
  NothingChanged,
  productAccessAction,
} from '../domain/admin/actions/account-changes.ts';
import { bind } from './bind.ts';

/** Runs an account change like an action; one that changes nothing writes nothing and says so. */
async function change(
  ctx: ServiceContext,
  admin: AdminIdentity,
  request: FastifyRequest,
  accountId: string,
  action: AccountChange,
  spec: ActionSpec,
  why: Pick<ActionRequest, 'reason' | 'ticket'>,
  fingerprint: unknown,
): Promise<AccountChangeResult> {
  const ifMatch = request.headers['if-match'];
  const key = request.headers['idempotency-key'];
  try {
    const result = await runAction(ctx, admin, {
      accountId,
      action,
      spec,
      request: { reason: why.reason, ticket: why.ticket },
      ifMatchPresent: typeof ifMatch === 'string' && ifMatch.length > 0,
      ifMatch: versionFromIfMatch(typeof ifMatch === 'string' ? ifMatch : undefined),
      idempotencyKey:
        typeof key === 'string' && key.length > 0 && key.length <= 200 ? key : undefined,
      ip: request.ip,
      fingerprint,
    });
    return { ...result, changes: result.changes ?? [] };
  } catch (error) {
    if (!(error instanceof NothingChanged)) throw error;
    const account = await accountInScope(ctx.db, admin, accountId);
    return {
      action,
      summary: `Nothing to change: ${account.username} already has these values.`,
      version: account.version,
      mailIds: [],
      changes: [],
    };
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
    const result = await change(
      ctx,
      admin,
      request,
      params.id,
      'edit-identity',
      editIdentityAction(fields),
      { reason, ticket },
      fields,
    );
    reply.header('etag', etagOf(result.version));
    return result;
  });

  bind(app, ctx, API.setProducts, async ({ params, body, admin, request, reply }) => {
    const result = await change(
      ctx,
      admin,
      request,
      params.id,
      'set-products',
      productAccessAction(body.products),
      body,
      { products: body.products },
    );
    reply.header('etag', etagOf(result.version));
    return result;
  });

  bind(app, ctx, API.moveAccount, async ({ params, body, admin, request, reply }) => {
    const result = await change(
      ctx,
      admin,
      request,
      params.id,
      'move-organization',
      moveAction(body.organizationId),
      body,
      { organizationId: body.organizationId },
    );
    reply.header('etag', etagOf(result.version));
    return result;
  });
}
