import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../common/api/auth.ts';
import type { Clock } from '../../service/clock.ts';
import { loadAdminIdentity } from '../../service/domain/admin/permissions.ts';
import { editPolicy } from '../../service/domain/admin/organization-policy.ts';
import { changeRole } from '../../service/domain/admin/roles.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient, type ApiResponse } from '../support/admin.ts';
import { versionOf } from '../support/console.ts';
import { organization, policyAudit, startRolesFixture } from '../support/roles-fixture.ts';
import type { TestService } from '../support/service.ts';

// Console roles through the admin API: who may grant and revoke what, where (R67, R73, R75,
// R88, R89), and that a change and its audit event commit together (R79). Organizations' policy:
// organization-policy.test.ts.

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
let adminAId: string;
let adminB: ApiClient;
let helpdeskA: ApiClient;
let counter = 0;
const unique = (stem: string) => `${stem}-${(counter += 1)}`;

beforeAll(async () => {
  ({ svc, home, orgA, orgB, superApi, superId, adminA, adminAId, adminB, helpdeskA } =
    await startRolesFixture());
});
afterAll(async () => svc?.close());

const REASON = 'Ticket 4711: new starter on the helpdesk';

/** The ETag of the account as it is now: what a console that just opened it would send. */
const etagNow = async (accountId: string) => `"v${await versionOf(svc, accountId)}"`;

/** POST /roles/grant or /roles/revoke, with If-Match of the account as it is now. */
const roleChange =
  (kind: 'grant' | 'revoke') =>
  async (
    api: ApiClient,
    accountId: string,
    role: Role,
    organizationId: string | null,
  ): Promise<ApiResponse<ErrorBody & { ok?: true }>> =>
    api.post(
      `/api/v1/roles/${kind}`,
      { accountId, role, organizationId, reason: REASON },
      { 'if-match': await etagNow(accountId) },
    );
const grant = roleChange('grant');
const revoke = roleChange('revoke');

const rolesOf = (accountId: string) =>
  svc.ctx.db
    .selectFrom('role_grants')
    .select(['role', 'organization_id'])
    .where('account_id', '=', accountId)
    .orderBy('role')
    .execute();

const auditOf = (accountId: string) =>
  svc.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('type', '=', 'admin_action')
    .orderBy('seq')
    .execute();

const person = (organizationId: string, extra: { shared?: boolean } = {}) =>
  seedAccount(svc.ctx, { organizationId, username: unique('person'), ...extra });

describe('roles: grant and revoke', () => {
  it('R75: an administrator grants helpdesk in their organization; it works at once and is audited with who, whom, why and where', async () => {
    const id = await person(orgA);
    const username = (
      await svc.ctx.db
        .selectFrom('accounts')
        .select('username')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).username;
    expect((await grant(adminA, id, 'helpdesk', orgA)).body).toEqual({ ok: true });
    expect(await rolesOf(id)).toEqual([{ role: 'helpdesk', organization_id: orgA }]);
    const events = await auditOf(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: adminAId, organization_id: orgA, ip: '127.0.0.1' });
    expect(JSON.parse(events[0]?.detail ?? '{}')).toEqual({
      action: 'grant-role',
      role: 'helpdesk',
      roleOrganizationId: orgA,
      reason: REASON,
      changedFields: ['roles'],
    });
    // The new agent signs in with what the role carries there.
    const agent = new ApiClient(svc.url);
    await agent.signIn(username, 'tulip orbit saddle lantern');
    expect((await agent.get('/api/v1/me')).body).toMatchObject({
      grants: [{ role: 'helpdesk', organizationId: orgA }],
    });

    // Granting again changes nothing and records nothing.
    expect((await grant(adminA, id, 'helpdesk', orgA)).status).toBe(200);
    expect(await rolesOf(id)).toHaveLength(1);
    expect(await auditOf(id)).toHaveLength(1);

    // R67: revoking takes effect on the next request: the agent's token no longer admits it.
    expect((await revoke(adminA, id, 'helpdesk', orgA)).body).toEqual({ ok: true });
    expect(await rolesOf(id)).toEqual([]);
    expect((await agent.get('/api/v1/me')).status).toBe(401);
    expect(JSON.parse((await auditOf(id))[1]?.detail ?? '{}')).toMatchObject({
      action: 'revoke-role',
      role: 'helpdesk',
    });
  });

  it('R88: a role change needs If-Match (428); an old version gets 412 with the account now, and nothing changes', async () => {
    const id = await person(orgA);
    const body = { accountId: id, role: 'helpdesk', organizationId: orgA, reason: REASON };
    expect(await adminA.post('/api/v1/roles/grant', body)).toMatchObject({
      status: 428,
      body: { error: { code: 'precondition_required' } },
    });
    const seen = await etagNow(id);
    // A colleague grants first: the account (its roles) is now a newer version.
    expect((await grant(superApi, id, 'helpdesk', orgA)).status).toBe(200);
    const stale = await adminA.post<ErrorBody & { current?: { version: number; roles: unknown } }>(
      '/api/v1/roles/revoke',
      body,
      { 'if-match': seen },
    );
    expect(stale).toMatchObject({ status: 412, body: { error: { code: 'precondition_failed' } } });
    expect(stale.body.current?.roles).toEqual([{ role: 'helpdesk', organizationId: orgA }]);
    expect(`"v${stale.body.current?.version}"`).toBe(await etagNow(id));
    expect(await rolesOf(id)).toEqual([{ role: 'helpdesk', organization_id: orgA }]);
    // On the version it now shows, the revoke goes through.
    expect((await revoke(adminA, id, 'helpdesk', orgA)).status).toBe(200);
    expect(await rolesOf(id)).toEqual([]);
  });

  it('R67: one grants only roles below one’s own rank; only a super-administrator grants administrator or super-administrator', async () => {
    const id = await person(orgA);
    expect(await grant(adminA, id, 'administrator', orgA)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: expect.stringMatching(/super-administrator/) } },
    });
    expect(await grant(adminA, id, 'super_admin', null)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    // The default helpdesk cannot manage roles at all.
    expect(await grant(helpdeskA, id, 'helpdesk', orgA)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await rolesOf(id)).toEqual([]);
    expect(await auditOf(id)).toEqual([]);

    expect((await grant(superApi, id, 'administrator', orgA)).status).toBe(200);
    expect((await grant(superApi, id, 'super_admin', null)).status).toBe(200);
    expect(await rolesOf(id)).toEqual([
      { role: 'administrator', organization_id: orgA },
      { role: 'super_admin', organization_id: null },
    ]);
    // The super-administrator grant is recorded under the account's own organization.
    expect((await auditOf(id)).map((e) => e.organization_id)).toEqual([orgA, orgA]);
  });

  it('R67: a helpdesk whose organization lets it manage roles still grants nothing (no role is below it)', async () => {
    const org = await seedOrganization(svc.ctx, unique('Generous'), {
      adminTotpExempt: true,
      helpdeskPermissions: ['read_accounts', 'manage_roles'],
    });
    const agentName = unique('agent');
    await seedAdmin(svc.ctx, { organizationId: org, username: agentName, role: 'helpdesk' });
    const agent = await signedInClient(svc.url, agentName);
    const id = await person(org);
    expect(await grant(agent, id, 'helpdesk', org)).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/only roles below your own/) } },
    });
  });

  it('R67: no one changes the roles of an account as powerful as themselves, or their own', async () => {
    // Another administrator of A: adminA can neither give them helpdesk nor take their role.
    const peer = await seedAdmin(svc.ctx, {
      organizationId: orgA,
      username: unique('peer'),
      role: 'administrator',
    });
    expect(await grant(adminA, peer, 'helpdesk', orgA)).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/as much power as yours/) } },
    });
    expect((await revoke(adminA, peer, 'administrator', orgA)).status).toBe(403);
    expect(await grant(adminA, adminAId, 'helpdesk', orgA)).toMatchObject({ status: 403 });
    expect(await rolesOf(peer)).toEqual([{ role: 'administrator', organization_id: orgA }]);

    // A helpdesk agent of A who is an administrator of B is out of adminA's reach too.
    const both = await seedAdmin(svc.ctx, {
      organizationId: orgA,
      username: unique('both'),
      role: 'helpdesk',
    });
    expect((await grant(superApi, both, 'administrator', orgB)).status).toBe(200);
    expect((await revoke(adminA, both, 'helpdesk', orgA)).status).toBe(403);
  });

  it('R67: an administrator of one organization cannot grant in another, nor see its accounts', async () => {
    const inA = await person(orgA);
    const inB = await person(orgB);
    expect(await grant(adminA, inA, 'helpdesk', orgB)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await grant(adminA, inB, 'helpdesk', orgB)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(await grant(adminA, inA, 'helpdesk', 'no-such-organization')).toMatchObject({
      status: 404,
    });
    expect((await grant(adminB, inB, 'helpdesk', orgB)).status).toBe(200);
  });

  it('R73: a shared login can never hold a role', async () => {
    const shared = await person(orgA, { shared: true });
    for (const [api, role, org] of [
      [adminA, 'helpdesk', orgA],
      [superApi, 'administrator', orgA],
      [superApi, 'super_admin', null],
    ] as const) {
      expect(await grant(api, shared, role, org)).toMatchObject({
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            field: 'accountId',
            message: expect.stringMatching(/shared login can never hold a role/),
          },
        },
      });
    }
    expect(await rolesOf(shared)).toEqual([]);
    expect(await auditOf(shared)).toEqual([]);
  });

  it('a role and its organization must agree; the body is validated', async () => {
    const id = await person(orgA);
    expect(await grant(superApi, id, 'super_admin', orgA)).toMatchObject({
      status: 400,
      body: { error: { field: 'organizationId' } },
    });
    expect(await grant(superApi, id, 'helpdesk', null)).toMatchObject({
      status: 400,
      body: { error: { field: 'organizationId' } },
    });
    expect(
      await superApi.post('/api/v1/roles/grant', {
        accountId: id,
        role: 'owner',
        organizationId: orgA,
        reason: REASON,
      }),
    ).toMatchObject({ status: 400, body: { error: { field: 'role' } } });
    expect(
      await superApi.post('/api/v1/roles/grant', {
        accountId: id,
        role: 'helpdesk',
        organizationId: orgA,
      }),
    ).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
    expect(await revoke(superApi, id, 'helpdesk', orgA)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect((await new ApiClient(svc.url).post('/api/v1/roles/grant', {})).status).toBe(401);
  });

  it('revoking the last super-administrator who can sign in is refused', async () => {
    // Other tests granted super_admin; take the grants back to the one seeded super-administrator.
    const others = await svc.ctx.db
      .selectFrom('role_grants')
      .select('account_id')
      .where('role', '=', 'super_admin')
      .where('account_id', '!=', superId)
      .execute();
    for (const o of others)
      expect((await revoke(superApi, o.account_id, 'super_admin', null)).status).toBe(200);

    expect(await revoke(superApi, superId, 'super_admin', null)).toMatchObject({
      status: 409,
      body: {
        error: { code: 'conflict', message: expect.stringMatching(/last super-administrator/) },
      },
    });
    // A disabled super-administrator does not count: they cannot sign in to put things right.
    const dormant = await seedAdmin(svc.ctx, {
      organizationId: home,
      username: unique('dormant'),
      role: 'super_admin',
    });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', dormant)
      .execute();
    expect((await revoke(superApi, superId, 'super_admin', null)).status).toBe(409);

    // With a second one who can sign in, one may step down; then the other is the last.
    const second = await seedAdmin(svc.ctx, {
      organizationId: home,
      username: unique('second'),
      role: 'super_admin',
    });
    const secondApi = await signedInClient(
      svc.url,
      (
        await svc.ctx.db
          .selectFrom('accounts')
          .select('username')
          .where('id', '=', second)
          .executeTakeFirstOrThrow()
      ).username,
    );
    expect((await revoke(secondApi, second, 'super_admin', null)).status).toBe(200);
    expect((await revoke(superApi, superId, 'super_admin', null)).status).toBe(409);
    expect(await rolesOf(superId)).toEqual([{ role: 'super_admin', organization_id: null }]);
  });

  it('R89: two super-administrators revoking each other at once leave exactly one', async () => {
    const names = [unique('twin'), unique('twin')];
    const ids = await Promise.all(
      names.map((username) =>
        seedAdmin(svc.ctx, { organizationId: home, username, role: 'super_admin' }),
      ),
    );
    // Leave only the twins able to sign in as super-administrators.
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', superId)
      .execute();
    try {
      const [one, two] = await Promise.all(names.map((n) => signedInClient(svc.url, n)));
      const answers = await Promise.all([
        revoke(one as ApiClient, ids[1] ?? '', 'super_admin', null),
        revoke(two as ApiClient, ids[0] ?? '', 'super_admin', null),
      ]);
      const statuses = answers.map((a) => a.status).sort();
      // The loser is refused either as the last one or because its own role is already gone.
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      const left = await svc.ctx.db
        .selectFrom('role_grants')
        .innerJoin('accounts', 'accounts.id', 'role_grants.account_id')
        .select('accounts.id')
        .where('role', '=', 'super_admin')
        .where('accounts.disabled_at', 'is', null)
        .execute();
      expect(left).toHaveLength(1);
    } finally {
      await svc.ctx.db
        .updateTable('accounts')
        .set({ disabled_at: null })
        .where('id', '=', superId)
        .execute();
    }
  });
});

describe('R79: a change and its audit event commit together', () => {
  /** A clock that fails on its n-th reading: recordAudit reads it as it builds the event. */
  const failingOn = (n: number): Clock => {
    let calls = 0;
    return {
      now: () => {
        calls += 1;
        if (calls === n) throw new Error('injected failure while writing the audit event');
        return svc.clock.now();
      },
    };
  };

  it('R79: when the audit event cannot be written, the role grant and the policy edit roll back', async () => {
    const admin = await loadAdminIdentity(svc.ctx.db, superId);
    if (!admin) throw new Error('no super-administrator');
    const id = await person(orgA);
    // The grant reads the clock for the grant row (1), then for its audit event (2).
    await expect(
      changeRole(
        { ...svc.ctx, clock: failingOn(2) },
        admin,
        { accountId: id, role: 'helpdesk', organizationId: orgA, reason: REASON },
        'grant',
        null,
        await etagNow(id),
      ),
    ).rejects.toThrow(/injected failure/);
    expect(await rolesOf(id)).toEqual([]);
    expect(await auditOf(id)).toEqual([]);

    const org = await seedOrganization(svc.ctx, unique('Rolled Back'), { adminTotpExempt: true });
    const seen = await organization(superApi, org);
    await expect(
      editPolicy({ ...svc.ctx, clock: failingOn(1) }, admin, {
        organizationId: org,
        ifMatch: seen.etag,
        update: { policy: { ...seen.policy, lockoutThreshold: 8 }, reason: REASON },
        ip: null,
      }),
    ).rejects.toThrow(/injected failure/);
    expect(await organization(superApi, org)).toEqual(seen);
    expect(await policyAudit(svc, org)).toEqual([]);
  });
});
