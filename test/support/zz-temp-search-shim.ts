// TEMPORARY (development only, to be deleted): the service has no GET /api/v1/accounts yet.
import { AccountSearchQuerySchema } from '../../common/api/account-search.ts';
import { searchAccounts } from '../../service/domain/account-search.ts';
import type { ConsoleHarness } from './console-harness.ts';
import type { TestService } from './service.ts';

export function shimSearch(h: ConsoleHarness, svc: TestService): void {
  const handlers = h.main.handlers as unknown as Record<string, unknown>;
  handlers.searchAccounts = async (input: { connectionIds: string[]; q: string; filter: string[]; cursor?: string; limit: number }) =>
    Promise.all(
      input.connectionIds.map(async (connectionId) => ({
        connectionId,
        result: await searchAccounts(svc.ctx.db, svc.ctx.dialect, svc.ctx.clock, AccountSearchQuerySchema.parse({ q: input.q, filter: input.filter, cursor: input.cursor, limit: input.limit }), { organizationIds: null }),
        error: null,
      })),
    );
}
