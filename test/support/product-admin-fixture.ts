import { seedOrganization } from './accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from './admin.ts';
import { startTestService, type TestService } from './service.ts';

/**
 * What the product tests of the admin API start from (issue 14): a service, the administrators'
 * home organization, and a super-administrator, an administrator and a helpdesk agent there,
 * each signed in. Only the first may change products and their clients.
 */
export interface ProductAdminFixture {
  svc: TestService;
  superId: string;
  superApi: ApiClient;
  adminApi: ApiClient;
  helpdeskId: string;
  helpdesk: ApiClient;
  /** The audit events one actor caused, of one type, oldest first, with their detail parsed. */
  eventsBy(actor: string, type: string): Promise<AuditRow[]>;
}

type AuditRow = Awaited<ReturnType<typeof auditRows>>[number];

async function auditRows(svc: TestService, actor: string, type: string) {
  const rows = await svc.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where('actor', '=', actor)
    .where('type', '=', type)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** Starts the service and signs in its three administrators, named `${stem}-super` and so on. */
export async function startProductAdminFixture(stem: string): Promise<ProductAdminFixture> {
  const svc = await startTestService();
  const home = await seedOrganization(svc.ctx, 'Latchkey Administrators', {
    adminTotpExempt: true,
  });
  const admin = (suffix: string, role: 'super_admin' | 'administrator' | 'helpdesk') =>
    seedAdmin(svc.ctx, { organizationId: home, username: `${stem}-${suffix}`, role });
  const superId = await admin('super', 'super_admin');
  await admin('admin', 'administrator');
  const helpdeskId = await admin('desk', 'helpdesk');
  const [superApi, adminApi, helpdesk] = await Promise.all(
    ['super', 'admin', 'desk'].map((suffix) => signedInClient(svc.url, `${stem}-${suffix}`)),
  );
  if (!superApi || !adminApi || !helpdesk) throw new Error('an administrator did not sign in');
  return {
    svc,
    superId,
    superApi,
    adminApi,
    helpdeskId,
    helpdesk,
    eventsBy: (actor, type) => auditRows(svc, actor, type),
  };
}
