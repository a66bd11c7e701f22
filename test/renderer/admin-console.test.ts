import { describe, expect, it } from 'vitest';
import type { AccountView } from '../../common/api/account-view.ts';
import { PERMISSIONS, type AdminIdentity, type Role } from '../../common/api/auth.ts';
import { assignableRoles } from '../../common/api/permission-rules.ts';
import { mayEditHolders, mayManageRoles } from '../../renderer/features/actions/permissions.ts';
import {
  changedFields,
  draftOf,
  policyOf,
} from '../../renderer/features/organizations/policy-fields.ts';
import { defaultPolicy, DEFAULT_HELPDESK_PERMISSIONS } from '../../service/domain/policy.ts';

// The console mirrors the service's power rule (R67) for holders and roles, and turns a policy
// form back into the policy it says without losing a field it does not show.

const ORG = 'org-1';

const identity = (role: Role, superAdmin = false): AdminIdentity => ({
  accountId: 'me',
  username: 'me',
  name: 'Me',
  superAdmin,
  grants: [
    {
      role,
      organizationId: superAdmin ? null : ORG,
      organizationName: superAdmin ? null : 'Demo Health',
      permissions: role === 'helpdesk' ? [...DEFAULT_HELPDESK_PERMISSIONS] : [...PERMISSIONS],
    },
  ],
  idleLockMinutes: 15,
});

const account = (o: Partial<AccountView> = {}) =>
  ({
    id: 'acc-1',
    shared: false,
    roles: [],
    organization: { id: ORG, name: 'Demo Health', adminContact: '', externalLoginUrl: null },
    ...o,
  }) as AccountView;

describe('holders and roles offered (R67: only below one’s own power)', () => {
  it('an administrator grants only helpdesk; a super-administrator also administrator; helpdesk nothing', () => {
    expect(assignableRoles(identity('administrator'), ORG)).toEqual(['helpdesk']);
    expect(assignableRoles(identity('super_admin', true), ORG)).toEqual([
      'helpdesk',
      'administrator',
    ]);
    expect(assignableRoles(identity('helpdesk'), ORG)).toEqual([]);
  });

  it('roles are managed only on accounts with less power, never one’s own', () => {
    const admin = identity('administrator');
    expect(mayManageRoles(admin, account())).toBe(true);
    expect(mayManageRoles(admin, account({ id: 'me' }))).toBe(false);
    const peer = account({ roles: [{ role: 'administrator', organizationId: ORG }] });
    expect(mayManageRoles(admin, peer)).toBe(false);
    expect(mayManageRoles(identity('helpdesk'), account())).toBe(false);
  });

  it('holders are edited only on a shared login, with manage_shared', () => {
    expect(mayEditHolders(identity('administrator'), account({ shared: true }))).toBe(true);
    expect(mayEditHolders(identity('administrator'), account())).toBe(false);
    expect(mayEditHolders(identity('helpdesk'), account({ shared: true }))).toBe(false);
  });
});

describe('the policy form', () => {
  it('round-trips a policy: numbers, empty-as-null, lines, boxes, permissions, unknown fields kept', () => {
    const policy = { ...defaultPolicy(), somethingNewer: 'kept' } as Record<string, unknown>;
    const draft = draftOf(policy);
    expect(draft.resetLinkTtlMinutes).toBe('');
    expect(draft.lockoutThreshold).toBe('5');
    expect(policyOf(policy, draft)).toEqual(policy);
    const edited = policyOf(policy, {
      ...draft,
      lockoutThreshold: '2',
      resetLinkTtlMinutes: '30',
      lockoutMinutes: '',
      securityQuestions: ' One question here? \n\nAnother question? ',
    });
    expect(edited).toMatchObject({
      lockoutThreshold: 2,
      resetLinkTtlMinutes: 30,
      lockoutMinutes: null,
      securityQuestions: ['One question here?', 'Another question?'],
      somethingNewer: 'kept',
    });
    expect(changedFields(policy, edited)).toEqual([
      'Reset-link lifetime (minutes)',
      'Failed sign-ins before lockout',
      'Lockout duration (minutes)',
      'Security questions (one a line)',
    ]);
  });

  it('a number it cannot read goes to the service as typed, to be refused next to its field', () => {
    const policy = defaultPolicy() as unknown as Record<string, unknown>;
    expect(
      policyOf(policy, { ...draftOf(policy), lockoutThreshold: 'five' }).lockoutThreshold,
    ).toBe('five');
  });
});
