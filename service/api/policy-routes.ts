import type { FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { editPolicy, listOrganizations } from '../domain/admin/organization-policy.ts';
import { bind } from './bind.ts';

/** Organizations and their policies. */
export function policyRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.organizations, async ({ admin }) => ({
    items: await listOrganizations(ctx.db, admin),
  }));

  bind(app, ctx, API.editPolicy, async ({ params, body, admin, request, reply }) => {
    const ifMatch = request.headers['if-match'];
    const organization = await editPolicy(ctx, admin, {
      organizationId: params.id,
      ifMatch: typeof ifMatch === 'string' && ifMatch.length > 0 ? ifMatch : undefined,
      update: body,
      ip: request.ip,
    });
    reply.header('etag', organization.etag);
    return organization;
  });
}
