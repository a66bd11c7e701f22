import type { FastifyInstance, FastifyRequest } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { changeRole } from '../domain/admin/roles.ts';
import { bind } from './bind.ts';

/** Granting and revoking roles; every rule is in `changeRole`. */
export function roleRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const ifMatch = (request: FastifyRequest) => {
    const header = request.headers['if-match'];
    return typeof header === 'string' && header.length > 0 ? header : undefined;
  };
  bind(app, ctx, API.grantRole, async ({ body, admin, request }) => {
    await changeRole(ctx, admin, body, 'grant', request.ip, ifMatch(request));
    return { ok: true as const };
  });

  bind(app, ctx, API.revokeRole, async ({ body, admin, request }) => {
    await changeRole(ctx, admin, body, 'revoke', request.ip, ifMatch(request));
    return { ok: true as const };
  });
}
