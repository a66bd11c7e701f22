import { expect } from 'vitest';
import { seedOrganization } from './accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from './admin.ts';
import { startTestService, type TestService } from './service.ts';

/** An organization as GET /api/v1/organizations lists it. */
export interface Organization {
  id: string;
  name: string;
  policy: Record<string, unknown>;
  etag: string;
}

/**
 * What the role and policy tests start from: a service, the administrators' home organization
 * and two others (Roles North, Roles South), a super-administrator, an administrator of each,
 * and a helpdesk of the first, each signed in.
 */
export interface RolesFixture {
  svc: TestService;
  home: string;
  orgA: string;
  orgB: string;
  superApi: ApiClient;
  superId: string;
  adminA: ApiClient;
  adminAId: string;
  adminB: ApiClient;
  helpdeskA: ApiClient;
}

export async function startRolesFixture(): Promise<RolesFixture> {
  const svc = await startTestService();
  const home = await seedOrganization(svc.ctx, 'Latchkey Administrators', {
    adminTotpExempt: true,
  });
  const orgA = await seedOrganization(svc.ctx, 'Roles North', { adminTotpExempt: true });
  const orgB = await seedOrganization(svc.ctx, 'Roles South', { adminTotpExempt: true });
  const superId = await seedAdmin(svc.ctx, {
    organizationId: home,
    username: 'roles-super',
    role: 'super_admin',
  });
  const adminAId = await seedAdmin(svc.ctx, {
    organizationId: orgA,
    username: 'roles-admin-a',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, {
    organizationId: orgB,
    username: 'roles-admin-b',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, { organizationId: orgA, username: 'roles-help-a', role: 'helpdesk' });
  const [superApi, adminA, adminB, helpdeskA] = await Promise.all([
    signedInClient(svc.url, 'roles-super'),
    signedInClient(svc.url, 'roles-admin-a'),
    signedInClient(svc.url, 'roles-admin-b'),
    signedInClient(svc.url, 'roles-help-a'),
  ]);
  return { svc, home, orgA, orgB, superApi, superId, adminA, adminAId, adminB, helpdeskA };
}

/** The organization as `api` sees it in the list. */
export async function organization(api: ApiClient, id: string): Promise<Organization> {
  const list = await api.get<{ items: Organization[] }>('/api/v1/organizations');
  expect(list.status).toBe(200);
  const org = list.body.items.find((o) => o.id === id);
  if (!org) throw new Error(`organization ${id} not listed`);
  return org;
}

/** The audit events of policy edits in an organization (admin actions on no account). */
export const policyAudit = (svc: TestService, organizationId: string) =>
  svc.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('type', '=', 'admin_action')
    .where('account_id', 'is', null)
    .orderBy('seq')
    .execute();
