import type { FastifyError } from 'fastify';
import { API } from '../../common/api/routes.ts';
import { ApiProblem } from '../../service/api/api-problem.ts';
import { bind } from '../../service/api/bind.ts';
import { buildApp } from '../../service/app.ts';
import { searchAccounts } from '../../service/domain/account-search.ts';
import { holds, visibleOrganizations } from '../../service/domain/admin/permissions.ts';
import type { TestService } from './service.ts';

/**
 * The address the console should connect to for `svc`.
 *
 * Issue 4 found the service without `GET /api/v1/accounts` (the contract's searchAccounts has no
 * route yet; service/domain/account-search.ts has the search). Until it lands, this starts a
 * second listener on the same context (same store, clock and mail) built by the service's own
 * buildApp, with that one route bound through the service's own `bind` (bearer auth, the
 * contract's schemas) to the domain search. Once the service answers the route itself, the
 * probe sees it and the service's own address is used: nothing to remove in the tests.
 */
export async function consoleServiceUrl(
  svc: TestService,
): Promise<{ url: string; standIn: boolean; close(): Promise<void> }> {
  const probe = await fetch(new URL('/api/v1/accounts', svc.url));
  const body = (await probe.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!(probe.status === 404 && /No such API operation/.test(body.error?.message ?? '')))
    return { url: svc.url, standIn: false, close: async () => undefined };

  process.stderr.write(
    '!! The account service has no GET /api/v1/accounts: console tests use a stand-in route ' +
      '(test/support/search-route-stand-in.ts) on the same store until it does.\n',
  );
  const ctx = svc.ctx;
  const app = await buildApp(ctx);
  await app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError | ApiProblem, _request, reply) =>
      error instanceof ApiProblem
        ? reply.code(error.status).send({
            error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
          })
        : reply.code(error.statusCode ?? 500).send({
            error: { code: 'validation_failed', message: error.message },
          }),
    );
    bind(scope, ctx, API.searchAccounts, async ({ query, admin }) => {
      const scopeIds = visibleOrganizations(admin);
      const readable =
        scopeIds === null
          ? scopeIds
          : scopeIds.filter((organizationId) => holds(admin, 'read_accounts', organizationId));
      if (readable !== null && readable.length === 0)
        throw new ApiProblem('forbidden', 'Your role does not allow reading accounts.');
      return searchAccounts(ctx.db, ctx.dialect, ctx.clock, query, { organizationIds: readable });
    });
  });
  const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
  return { url, standIn: true, close: () => app.close() };
}
