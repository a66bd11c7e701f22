import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchResult } from '../../common/api/account-search.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin, signedInClient } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';

// Issue 15: a search that finds nothing answers "did you mean …?", whichever engine answers it:
// the in-memory index, or the store (SEARCH_INDEX=store, and while an index builds or catches up).

async function seed(svc: TestService): Promise<void> {
  const north = await seedOrganization(svc.ctx, 'North Typo Clinic', { adminTotpExempt: true });
  const south = await seedOrganization(svc.ctx, 'South Typo Clinic', { adminTotpExempt: true });
  for (const [org, username] of [
    [north, 'alice'],
    [north, 'bartholomew'],
    [south, 'alisa'],
    [south, 'bartolomew'],
  ] as const) {
    await seedAccount(svc.ctx, { organizationId: org, username, password: null, answer: null });
  }
  await seedAdmin(svc.ctx, {
    organizationId: north,
    username: 'north.typo',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, { organizationId: north, username: 'root.typo', role: 'super_admin' });
}

describe.each(['memory', 'store'])('search suggestions, SEARCH_INDEX=%s', (engine) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { SEARCH_INDEX: engine } });
    await seed(svc);
  });
  afterAll(async () => svc?.close());

  const search = async (admin: string, q: string) => {
    const api = await signedInClient(svc.url, admin);
    const response = await api.get<AccountSearchResult>(
      `/api/v1/accounts?q=${encodeURIComponent(q)}`,
    );
    expect(response.status).toBe(200);
    return response.body;
  };

  it('"Alise" finds nothing and suggests alice', async () => {
    const body = await search('north.typo', 'Alise');
    expect(body.items).toEqual([]);
    expect(body.suggestions).toEqual(['alice']);
  });

  it('a longer query is allowed two edits; a search with results suggests nothing', async () => {
    expect((await search('north.typo', 'bartholomeu')).suggestions).toEqual(['bartholomew']);
    expect((await search('north.typo', 'batrholomw')).suggestions).toEqual(['bartholomew']);
    expect((await search('north.typo', 'alice')).suggestions).toBeUndefined();
  });

  it('a short query gets no suggestions', async () => {
    const body = await search('north.typo', 'alx');
    expect(body.items).toEqual([]);
    expect(body.suggestions).toBeUndefined();
  });

  it('R2 (enumeration): a suggestion never names an account outside the caller’s organizations', async () => {
    // alisa and bartolomew live in the south: the north administrator must not learn of them.
    expect((await search('north.typo', 'alisx')).suggestions).toBeUndefined();
    expect((await search('north.typo', 'Alise')).suggestions).not.toContain('alisa');
    expect((await search('north.typo', 'batrholomw')).suggestions).toEqual(['bartholomew']);
    // A super-administrator sees both organizations, so both are suggested.
    expect((await search('root.typo', 'Alise')).suggestions).toEqual(['alice', 'alisa']);
  });

  it('R2 (enumeration): filters scope suggestions as they scope results', async () => {
    const api = await signedInClient(svc.url, 'north.typo');
    const response = await api.get<AccountSearchResult>('/api/v1/accounts?q=Alise&filter=locked');
    expect(response.body.items).toEqual([]);
    expect(response.body.suggestions).toBeUndefined();
  });
});
