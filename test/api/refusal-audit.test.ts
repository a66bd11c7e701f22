import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';

interface AuditEvent {
  type: string;
  accountId: string | null;
  organizationId: string | null;
  actor: string;
  detail: { route?: string };
}

let svc: TestService;
let orgA: string;
let orgB: string;
let superApi: ApiClient;
let adminA: ApiClient;
let helpdeskA: ApiClient;
let helpdeskAId: string;
let aliceA: string;

beforeAll(async () => {
  svc = await startTestService();
  const home = await seedOrganization(svc.ctx, 'Refusal Administrators', { adminTotpExempt: true });
  orgA = await seedOrganization(svc.ctx, 'Refusal North', { adminTotpExempt: true });
  orgB = await seedOrganization(svc.ctx, 'Refusal South', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, {
    organizationId: home,
    username: 'refusal-super',
    role: 'super_admin',
  });
  await seedAdmin(svc.ctx, {
    organizationId: orgA,
    username: 'refusal-admin-a',
    role: 'administrator',
  });
  helpdeskAId = await seedAdmin(svc.ctx, {
    organizationId: orgA,
    username: 'refusal-help-a',
    role: 'helpdesk',
  });
  aliceA = await seedAccount(svc.ctx, { organizationId: orgA, username: 'refusal-alice' });
  [superApi, adminA, helpdeskA] = await Promise.all([
    signedInClient(svc.url, 'refusal-super'),
    signedInClient(svc.url, 'refusal-admin-a'),
    signedInClient(svc.url, 'refusal-help-a'),
  ]);
});
afterAll(async () => svc?.close());

async function refusals(api: ApiClient, organization: string): Promise<AuditEvent[]> {
  const qs = new URLSearchParams({ type: 'authz_fail', organization, actor: helpdeskAId });
  const page = await api.get<{ items: AuditEvent[] }>(`/api/v1/audit?${qs}`);
  expect(page.status, JSON.stringify(page.body)).toBe(200);
  return page.body.items;
}

describe('refusals carry an organization (R67, R75)', () => {
  it('R75: a refusal about an account, a policy, a role or the audit log is found by the organization filter', async () => {
    const etag = (await adminA.get(`/api/v1/accounts/${aliceA}`)).headers.get('etag') ?? '';
    const policy = await adminA.get<{ items: Array<{ id: string; etag: string }> }>(
      '/api/v1/organizations',
    );
    const policyEtag = policy.body.items.find((o) => o.id === orgA)?.etag ?? '';
    const tries = [
      // The path names an account: that account's organization.
      await helpdeskA.post(
        `/api/v1/accounts/${aliceA}/actions/disable`,
        { reason: 'trying my luck' },
        { 'if-match': etag },
      ),
      // The body names the account (a role change): its organization.
      await helpdeskA.post(
        '/api/v1/roles/grant',
        { accountId: aliceA, role: 'helpdesk', organizationId: orgA, reason: 'trying my luck' },
        { 'if-match': etag },
      ),
      // The path names the organization.
      await helpdeskA.request(
        'PUT',
        `/api/v1/organizations/${orgA}/policy`,
        { policy: {}, reason: 'trying my luck' },
        { 'if-match': policyEtag },
      ),
      // Nothing named: the helpdesk's only organization.
      await helpdeskA.get('/api/v1/audit'),
    ];
    expect(tries.map((r) => r.status)).toEqual([403, 403, 403, 403]);

    const found = await refusals(adminA, orgA);
    expect(found.map((e) => e.detail.route).sort()).toEqual(
      [
        'GET /api/v1/audit',
        'POST /api/v1/accounts/:id/actions/:action',
        'POST /api/v1/roles/grant',
        'PUT /api/v1/organizations/:id/policy',
      ].sort(),
    );
    for (const event of found)
      expect(event).toMatchObject({ organizationId: orgA, actor: helpdeskAId });
    expect(found.filter((e) => e.accountId === aliceA)).toHaveLength(2);
    // Another organization's filter does not show them.
    expect(await refusals(superApi, orgB)).toEqual([]);
  });
});
