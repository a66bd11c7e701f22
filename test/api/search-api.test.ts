import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchResult } from '../../common/api/account-search.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin, signedInClient } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
  const north = await seedOrganization(svc.ctx, 'North Search Clinic', { adminTotpExempt: true });
  const south = await seedOrganization(svc.ctx, 'South Search Clinic', { adminTotpExempt: true });
  for (const [org, name] of [
    [north, 'nmarigold'],
    [north, 'marigold'],
    [south, 'smarigold'],
  ] as const) {
    await seedAccount(svc.ctx, {
      organizationId: org,
      username: name,
      password: null,
      answer: null,
    });
  }
  await seedAdmin(svc.ctx, {
    organizationId: north,
    username: 'north.admin',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, { organizationId: north, username: 'root.search', role: 'super_admin' });
});
afterAll(async () => svc?.close());

const search = async (username: string, query: string) => {
  const api = await signedInClient(svc.url, username);
  return api.get<AccountSearchResult>(`/api/v1/accounts?${query}`);
};

describe('GET /api/v1/accounts', () => {
  it('ranks the exact username first and keeps an administrator inside their organizations', async () => {
    const response = await search('north.admin', 'q=marigold');
    expect(response.status).toBe(200);
    expect(response.body.items.map((i) => i.username)).toEqual(['marigold', 'nmarigold']);
    expect(response.body.items[0]?.matchTier).toBe(0);
    expect(response.body.total).toBe(2);
  });

  it('a super-administrator searches every organization', async () => {
    const response = await search('root.search', 'q=marigold');
    expect(response.body.items.map((i) => i.username)).toEqual([
      'marigold',
      'nmarigold',
      'smarigold',
    ]);
  });

  it('a bad filter is refused with the field named', async () => {
    const response = await search('north.admin', 'q=x&filter=nonsense');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'validation_failed', field: 'filter.0' },
    });
  });

  it('a cursor the search did not give out is refused with the field named', async () => {
    const response = await search('north.admin', 'q=marigold&cursor=not-a-cursor');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'validation_failed', field: 'cursor' },
    });
  });

  it('shows a change made in the store in the very next search', async () => {
    const before = await search('root.search', 'q=quillon');
    expect(before.body.items).toEqual([]);
    // Written to the store, not through the API: only the searcher's own feed check can tell
    // the index it is behind.
    const org = await svc.ctx.db
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', 'South Search Clinic')
      .executeTakeFirstOrThrow();
    await seedAccount(svc.ctx, { organizationId: org.id, username: 'quillon', password: null });
    const after = await search('root.search', 'q=quillon');
    expect(after.body.items.map((i) => i.username)).toEqual(['quillon']);
    expect(svc.ctx.search.answered.store).toBe(0);
  });

  it('needs a signed-in administrator', async () => {
    const response = await fetch(`${svc.url}/api/v1/accounts?q=marigold`);
    expect(response.status).toBe(401);
  });
});
