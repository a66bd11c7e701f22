import { describe, expect, it } from 'vitest';
import type { AccountView } from '../../common/api/account-view.ts';
import { PERMISSIONS, type AdminIdentity, type Role } from '../../common/api/auth.ts';
import { missingActionReasons } from '../../renderer/features/account/missing-actions.ts';
import { offeredActions } from '../../renderer/features/actions/permissions.ts';
import { DEFAULT_HELPDESK_PERMISSIONS } from '../../service/domain/policy.ts';

// Issue 15: an account without a security question (demo `bob`) offers the helpdesk only a
// username reminder; the view says why and who can do more.

const ORG = 'org-1';

const identity = (role: Role): AdminIdentity => ({
  accountId: 'me',
  username: 'me',
  name: 'Me',
  superAdmin: false,
  grants: [
    {
      role,
      organizationId: ORG,
      organizationName: 'Demo Health',
      permissions: role === 'helpdesk' ? [...DEFAULT_HELPDESK_PERMISSIONS] : [...PERMISSIONS],
    },
  ],
  idleLockMinutes: 15,
});

const bob = (o: Partial<AccountView> = {}) =>
  ({
    id: 'bob',
    shared: false,
    roles: [],
    securityQuestion: null,
    organization: { id: ORG, name: 'Demo Health', adminContact: '', externalLoginUrl: null },
    status: { disabled: false, locked: false, failedAttempts: 0 },
    passwordChangeImpact: { products: [], liveSessions: 0 },
    resetLinks: [],
    ...o,
  }) as unknown as AccountView;

describe('an account without a security question explains itself', () => {
  it('a helpdesk is told why there is no reset link and who may set a temporary password', () => {
    const helpdesk = identity('helpdesk');
    expect(offeredActions(helpdesk, bob())).toEqual(['send-username-reminder']);
    const reasons = missingActionReasons(helpdesk, bob());
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^No reset link can be sent: .* has none/);
    expect(reasons[1]).toMatch(
      /“Set temporary password” permission, which your role does not hold/,
    );
    expect(reasons[1]).toMatch(/administrators and super-administrators hold it/);
  });

  it('an administrator, who is offered the temporary password, hears only about the link', () => {
    const admin = identity('administrator');
    expect(offeredActions(admin, bob())).toContain('set-temporary-password');
    const reasons = missingActionReasons(admin, bob());
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^No reset link can be sent/);
  });

  it('says nothing when the account has a question, or is disabled or shared', () => {
    const helpdesk = identity('helpdesk');
    expect(missingActionReasons(helpdesk, bob({ securityQuestion: 'Pet?' }))).toEqual([]);
    expect(missingActionReasons(helpdesk, bob({ shared: true }))).toEqual([]);
    const disabled = bob({ status: { disabled: true } as AccountView['status'] });
    expect(missingActionReasons(helpdesk, disabled)).toEqual([]);
  });
});
