import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../service/domain/policy.ts';
import { seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import {
  organization,
  policyAudit,
  startRolesFixture,
  type Organization,
} from '../support/roles-fixture.ts';
import type { TestService } from '../support/service.ts';

// Organizations and their policy through the admin API: listing, editing with If-Match (R75,
// R88, R89), who may edit what (R66, R67). Console roles: role-changes.test.ts.

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}
let svc: TestService;
let home: string;
let orgA: string;
let orgB: string;
let superApi: ApiClient;
let superId: string;
let adminA: ApiClient;
let helpdeskA: ApiClient;
let counter = 0;
const unique = (stem: string) => `${stem}-${(counter += 1)}`;

beforeAll(async () => {
  ({ svc, home, orgA, orgB, superApi, superId, adminA, helpdeskA } = await startRolesFixture());
});
afterAll(async () => svc?.close());

const put = (
  api: ApiClient,
  organizationId: string,
  policy: Record<string, unknown>,
  ifMatch?: string,
) =>
  api.request<Organization & ErrorBody & { current?: Organization }>(
    'PUT',
    `/api/v1/organizations/${organizationId}/policy`,
    { policy, reason: 'Board decision 2026-11' },
    ifMatch ? { 'if-match': ifMatch } : {},
  );

describe('organizations and their policy', () => {
  it('GET /organizations lists the ones the administrator sees, each with its policy and ETag', async () => {
    const mine = await adminA.get<{ items: Organization[] }>('/api/v1/organizations');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((o) => o.id)).toEqual([orgA]);
    expect(mine.body.items[0]).toMatchObject({
      name: 'Roles North',
      policy: { ...defaultPolicy(), adminTotpExempt: true },
      etag: expect.stringMatching(/^"p-[0-9a-f]{32}"$/),
    });
    const all = await superApi.get<{ items: Organization[] }>('/api/v1/organizations');
    expect(all.body.items.map((o) => o.id)).toEqual(expect.arrayContaining([home, orgA, orgB]));
    const names = all.body.items.map((o) => o.name);
    expect(names).toEqual([...names].sort());
    expect((await new ApiClient(svc.url).get('/api/v1/organizations')).status).toBe(401);
  });

  it('R75, R88: PUT needs If-Match (428), refuses a stale ETag with the current policy (412), and audits the changed fields before and after', async () => {
    const org = await seedOrganization(svc.ctx, unique('Policy Org'), { adminTotpExempt: true });
    const seen = await organization(superApi, org);
    const next = { ...seen.policy, lockoutThreshold: 7, adminContact: 'IT desk, ext. 4400' };

    expect(await put(superApi, org, next)).toMatchObject({
      status: 428,
      body: { error: { code: 'precondition_required' } },
    });
    const done = await put(superApi, org, next, seen.etag);
    expect(done.status).toBe(200);
    expect(done.body.policy).toMatchObject({
      lockoutThreshold: 7,
      adminContact: 'IT desk, ext. 4400',
    });
    expect(done.body.etag).not.toBe(seen.etag);
    expect(done.headers.get('etag')).toBe(done.body.etag);
    expect(await organization(superApi, org)).toEqual(done.body);

    // A second editor still holding the first ETag gets 412 and what is there now.
    const stale = await put(superApi, org, { ...seen.policy, lockoutThreshold: 9 }, seen.etag);
    expect(stale).toMatchObject({
      status: 412,
      body: { error: { code: 'precondition_failed' }, current: done.body },
    });
    expect((await organization(superApi, org)).policy.lockoutThreshold).toBe(7);

    const events = await policyAudit(svc, org);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: superId, organization_id: org });
    expect(JSON.parse(events[0]?.detail ?? '{}')).toEqual({
      action: 'edit-policy',
      reason: 'Board decision 2026-11',
      ticket: null,
      changedFields: ['lockoutThreshold', 'adminContact'],
      changes: {
        lockoutThreshold: { before: 5, after: 7 },
        adminContact: { before: 'your organization’s administrator', after: 'IT desk, ext. 4400' },
      },
    });

    // Sent back unchanged: nothing is written, the ETag stays.
    const same = await put(superApi, org, done.body.policy, done.body.etag);
    expect(same).toMatchObject({ status: 200, body: { etag: done.body.etag } });
    expect(await policyAudit(svc, org)).toHaveLength(1);
  });

  it('a bad or unknown policy field is a 400 naming it, and nothing changes', async () => {
    const seen = await organization(adminA, orgA);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...seen.policy, lockoutThreshold: 0 }, 'policy.lockoutThreshold'],
      [{ ...seen.policy, lockoutMinutes: 'soon' }, 'policy.lockoutMinutes'],
      [{ ...seen.policy, externalLoginUrl: 'not a url' }, 'policy.externalLoginUrl'],
      [{ ...seen.policy, securityQuestions: ['ok?'] }, 'policy.securityQuestions.0'],
      [{ ...seen.policy, helpdeskPermissions: ['everything'] }, 'policy.helpdeskPermissions.0'],
      [{ ...seen.policy, lockoutTreshold: 3 }, 'policy.lockoutTreshold'],
    ];
    for (const [policy, field] of cases) {
      expect(await put(adminA, orgA, policy, seen.etag)).toMatchObject({
        status: 400,
        body: {
          error: { code: 'validation_failed', field, message: expect.stringContaining(field) },
        },
      });
    }
    expect(await organization(adminA, orgA)).toEqual(seen);
  });

  it('R67: editing a policy needs edit_policy in that organization; another organization is not there', async () => {
    const seenA = await organization(adminA, orgA);
    expect(
      await put(helpdeskA, orgA, { ...seenA.policy, lockoutThreshold: 6 }, seenA.etag),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    const seenB = await organization(superApi, orgB);
    expect(
      await put(adminA, orgB, { ...seenB.policy, lockoutThreshold: 6 }, seenB.etag),
    ).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(await organization(superApi, orgB)).toEqual(seenB);
  });

  it('R66: only a super-administrator exempts administrators from TOTP', async () => {
    const org = await seedOrganization(svc.ctx, unique('Strict'), { adminTotpExempt: false });
    const adminName = unique('strict-admin');
    // This administrator's account lives in an exempt organization, so it can sign in for the test.
    await seedAdmin(svc.ctx, {
      organizationId: orgA,
      username: adminName,
      role: 'administrator',
      grantOrganizationId: org,
    });
    const admin = await signedInClient(svc.url, adminName);
    const seen = await organization(admin, org);
    expect(
      await put(admin, org, { ...seen.policy, adminTotpExempt: true }, seen.etag),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', field: 'policy.adminTotpExempt' } },
    });
    expect((await put(admin, org, { ...seen.policy, idleLockMinutes: 10 }, seen.etag)).status).toBe(
      200,
    );
    const now = await organization(superApi, org);
    expect(
      (await put(superApi, org, { ...now.policy, adminTotpExempt: true }, now.etag)).status,
    ).toBe(200);
  });

  it('R67: a helpdesk allowed to edit the policy cannot widen what the helpdesk may do', async () => {
    const org = await seedOrganization(svc.ctx, unique('Delegating'), {
      adminTotpExempt: true,
      helpdeskPermissions: ['read_accounts', 'send_link', 'edit_policy'],
    });
    const agentName = unique('policy-agent');
    await seedAdmin(svc.ctx, { organizationId: org, username: agentName, role: 'helpdesk' });
    const agent = await signedInClient(svc.url, agentName);
    const seen = await organization(agent, org);
    const wider = {
      ...seen.policy,
      helpdeskPermissions: ['read_accounts', 'send_link', 'edit_policy', 'set_password'],
    };
    expect(await put(agent, org, wider, seen.etag)).toMatchObject({
      status: 403,
      body: { error: { field: 'policy.helpdeskPermissions' } },
    });
    expect(
      (await put(agent, org, { ...seen.policy, resetEmailsPerHour: 2 }, seen.etag)).status,
    ).toBe(200);

    // An administrator may, and the helpdesk's permissions follow at once.
    const adminName = unique('delegating-admin');
    await seedAdmin(svc.ctx, { organizationId: org, username: adminName, role: 'administrator' });
    const admin = await signedInClient(svc.url, adminName);
    const now = await organization(admin, org);
    const withAudit = {
      ...now.policy,
      helpdeskPermissions: ['read_accounts', 'send_link', 'edit_policy', 'read_audit'],
    };
    expect((await put(admin, org, withAudit, now.etag)).status).toBe(200);
    expect((await agent.get('/api/v1/me')).body).toMatchObject({
      grants: [{ permissions: ['read_accounts', 'send_link', 'edit_policy', 'read_audit'] }],
    });
    expect((await agent.get('/api/v1/audit')).status).toBe(200);
  });

  it('R89: two administrators saving the same version at once: one 200, the other 412', async () => {
    const org = await seedOrganization(svc.ctx, unique('Raced'), { adminTotpExempt: true });
    const seen = await organization(superApi, org);
    const answers = await Promise.all(
      [3, 4, 6, 8, 9].map((n) =>
        put(superApi, org, { ...seen.policy, lockoutThreshold: n }, seen.etag),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412]);
    const winner = answers.find((a) => a.status === 200);
    expect((await organization(superApi, org)).policy.lockoutThreshold).toBe(
      winner?.body.policy.lockoutThreshold,
    );
    expect(await policyAudit(svc, org)).toHaveLength(1);
  });
});
