import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionName } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { seedAccount, seedOrganization, type SeedAccount } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  actVerified,
  auditOf,
  checkAnswer,
  ok,
  openAccount,
  putHolders,
  refused,
  resend,
  signedIn,
  verifyCaller,
  versionOf,
  type ConsoleClient,
} from '../support/console.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

let svc: TestService;
let smtp: SmtpCatcher;
const orgs = { north: '', south: '', east: '' };
const ids: Record<string, string> = {};
const clients: Record<string, ConsoleClient> = {};
const ADMINS = {
  deskNorth: { org: 'north', role: 'helpdesk' },
  bossNorth: { org: 'north', role: 'administrator' },
  peerNorth: { org: 'north', role: 'administrator' },
  deskSouth: { org: 'south', role: 'helpdesk' },
  bossEast: { org: 'east', role: 'administrator' },
  root: { org: 'north', role: 'super_admin' },
} as const;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  orgs.north = await seedOrganization(svc.ctx, 'North Clinic', { adminTotpExempt: true });
  // South gives its helpdesk exactly what it needs: links and clearing questions, not unlocking.
  orgs.south = await seedOrganization(svc.ctx, 'South Clinic', {
    adminTotpExempt: true,
    helpdeskPermissions: ['read_accounts', 'send_link', 'clear_question'],
  });
  orgs.east = await seedOrganization(svc.ctx, 'East Clinic', { adminTotpExempt: true });
  for (const [username, a] of Object.entries(ADMINS))
    ids[username] = await seedAdmin(svc.ctx, {
      organizationId: orgs[a.org],
      username,
      role: a.role,
    });
  // No test here moves the clock, so one sign-in each serves the file.
  for (const username of Object.keys(ADMINS)) clients[username] = await signedIn(svc, username);
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});
const as = (username: keyof typeof ADMINS): ConsoleClient => clients[username] as ConsoleClient;

let counter = 0;
async function person(org: keyof typeof orgs, o: Partial<SeedAccount> = {}) {
  const username = `${org}person${(counter += 1)}`;
  return seedAccount(svc.ctx, { organizationId: orgs[org], username, ...o });
}

/** Nothing happened to the account: same version, no admin action recorded. */
async function untouched(id: string, version: number) {
  expect(await versionOf(svc, id)).toBe(version);
  expect(await auditOf(svc, id, 'admin_action')).toEqual([]);
}

describe('R67: permissions per role', () => {
  it('R67: helpdesk cannot clear a security question, set a password, disable or manage shared logins (403)', async () => {
    const me = (await as('deskNorth').get<AdminIdentity>('/api/v1/me')).body;
    expect(me.grants[0]?.permissions).not.toContain('clear_question');
    expect(me.grants[0]?.permissions).not.toContain('set_password');

    const id = await person('north');
    const shared = await person('north', {
      shared: true,
      holders: [{ name: 'Pat', email: 'pat.north@example.org' }],
    });
    const desk = as('deskNorth');
    const verificationId = await verifyCaller(desk, id);
    const sharedVerification = await verifyCaller(desk, shared);
    const refusedActions: ActionName[] = [
      'clear-security-question',
      'set-temporary-password',
      'disable',
      'enable',
    ];
    for (const action of refusedActions)
      refused(await act(desk, id, action, { verificationId }), 403, 'forbidden');
    for (const action of ['reset-shared-login', 'convert-shared-login'] as const)
      refused(
        await act(desk, shared, action, { verificationId: sharedVerification }),
        403,
        'forbidden',
      );
    refused(await putHolders(desk, shared, []), 403, 'forbidden');
    await untouched(id, 1);
    await untouched(shared, 1);

    // What helpdesk may do by default, it can.
    ok(await act(desk, id, 'send-reset-email'));
    ok(await act(desk, id, 'end-sessions'));
    ok(await act(desk, id, 'invalidate-links'));
  });

  it('R67 R47: an organization grants its helpdesk exactly clear_question, and withholds unlock', async () => {
    const desk = as('deskSouth');
    const me = (await desk.get<AdminIdentity>('/api/v1/me')).body;
    expect(me.grants[0]?.permissions.sort()).toEqual(
      ['clear_question', 'read_accounts', 'send_link'].sort(),
    );
    const id = await person('south');
    const verificationId = await verifyCaller(desk, id);
    refused(await act(desk, id, 'unlock', { verificationId }), 403, 'forbidden');
    refused(await act(desk, id, 'set-temporary-password', { verificationId }), 403, 'forbidden');
    const cleared = ok(await act(desk, id, 'clear-security-question', { verificationId }));
    expect(cleared.action).toBe('clear-security-question');
    expect((await openAccount(desk, id)).view.securityQuestion).toBeNull();
    // The grant is South's: North's helpdesk still cannot clear a question.
    const north = await person('north');
    refused(
      await act(as('deskNorth'), north, 'clear-security-question', {
        verificationId: await verifyCaller(as('deskNorth'), north),
      }),
      403,
      'forbidden',
    );
  });
});

describe('R67: scope and power', () => {
  it("R67: an administrator of one organization can neither see (404) nor touch another's accounts", async () => {
    const id = await person('north', {
      shared: true,
      holders: [{ name: 'Quinn', email: 'quinn.north@example.org' }],
    });
    const east = as('bossEast');
    const nobody = await east.get('/api/v1/accounts/00000000-0000-0000-0000-000000000000');
    expect(nobody.status).toBe(404);
    const seen = await east.get(`/api/v1/accounts/${id}`);
    expect(seen).toMatchObject({ status: 404, body: nobody.body });
    expect(seen.headers.get('etag')).toBeNull();
    for (const action of ['send-reset-email', 'disable', 'reset-shared-login'] as const)
      expect(await act(east, id, action, { etag: '"v1"' })).toMatchObject({
        status: 404,
        body: nobody.body,
      });
    refused(await checkAnswer(east, id, 'Rex the dog'), 404, 'not_found');
    refused(
      await east.post(`/api/v1/accounts/${id}/verifications`, { method: 'email_code' }),
      404,
      'not_found',
    );
    refused(await putHolders(east, id, [], { etag: '"v1"' }), 404, 'not_found');
    refused(await resend(east, id, 'any-mail', { etag: '"v1"' }), 404, 'not_found');
    await untouched(id, 1);
    expect(await auditOf(svc, id, 'caller_verification')).toEqual([]);
    expect(smtp.messages.filter((m) => m.to.includes('quinn.north@example.org'))).toEqual([]);
  });

  it('R67: a helpdesk agent cannot act on an administrator, nor an administrator on a peer (403)', async () => {
    const boss = ids.bossNorth ?? '';
    const desk = as('deskNorth');
    const before = await versionOf(svc, boss);
    refused(await act(desk, boss, 'send-reset-email'), 403, 'forbidden');
    // Verifying a caller is the first step of acting for them: refused on more power, too.
    refused(await checkAnswer(desk, boss, 'anything'), 403, 'forbidden');
    refused(await act(as('peerNorth'), boss, 'disable'), 403, 'forbidden');
    refused(await act(as('bossNorth'), ids.root ?? '', 'send-reset-email'), 403, 'forbidden');
    expect(await versionOf(svc, boss)).toBe(before);
    // More power than the target is enough: an administrator can reset a helpdesk agent.
    ok(await act(as('bossNorth'), ids.deskNorth ?? '', 'send-reset-email'));
  });

  it('R67 R75: every refusal is audited with who asked, for what, on which account', async () => {
    const boss = ids.bossNorth ?? '';
    const before = (await auditOf(svc, boss, 'authz_fail')).length;
    refused(await act(as('deskNorth'), boss, 'disable'), 403, 'forbidden');
    const events = await auditOf(svc, boss, 'authz_fail');
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({
      actor: ids.deskNorth,
      detail: {
        route: 'POST /api/v1/accounts/:id/actions/:action',
        reason: expect.stringContaining('Your role does not allow this'),
      },
    });
  });

  it('no one acts on their own account', async () => {
    for (const username of ['deskNorth', 'bossNorth', 'root'] as const) {
      const response = await act(as(username), ids[username] ?? '', 'send-reset-email');
      refused(response, 403, 'forbidden');
      expect(response.body.error?.message).toContain('your own account');
    }
  });

  it('super_admin acts anywhere: every organization, and on administrators', async () => {
    const root = as('root');
    for (const org of ['north', 'south', 'east'] as const) {
      const id = await person(org);
      expect((await openAccount(root, id)).view.organization.id).toBe(orgs[org]);
      ok(await act(root, id, 'disable'));
    }
    const result = await actVerified(root, ids.bossEast ?? '', 'set-temporary-password');
    expect(result.temporaryPassword).toBeDefined();
    const [event] = await auditOf(svc, ids.bossEast ?? '', 'admin_action');
    expect(event).toMatchObject({ actor: ids.root, organization_id: orgs.east });
  });
});
