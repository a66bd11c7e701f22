import { describe, expect, it } from 'vitest';
import type { AccountView } from '../../common/api/account-view.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { holds } from '../../common/api/permission-rules.ts';
import { offeredActions, whyNoActions } from '../../renderer/features/actions/permissions.ts';
import { diffViews } from '../../renderer/features/actions/view-diff.ts';
import { DEFAULT_HELPDESK_PERMISSIONS } from '../../service/domain/policy.ts';
import { PERMISSIONS } from '../../common/api/auth.ts';

const ORG = 'org-1';

function view(
  o: Partial<AccountView> = {},
  status: Partial<AccountView['status']> = {},
): AccountView {
  return {
    id: 'acc-1',
    version: 3,
    username: 'frontdesk',
    email: 'fd@example.org',
    name: 'Front Desk',
    phone: '',
    organization: { id: ORG, name: 'Demo Health', adminContact: 'IT', externalLoginUrl: null },
    products: [{ code: 'emresource', name: 'EMResource' }],
    status: {
      disabled: false,
      disabledAt: null,
      locked: true,
      lockedAt: 1,
      lockedUntil: null,
      lockReason: 'Too many failed sign-ins',
      failedAttempts: 5,
      mustChangePassword: false,
      temporaryPasswordExpiresAt: null,
      ...status,
    },
    lastSignInAt: null,
    passwordChange: { at: null, how: null, by: null },
    securityQuestion: 'First pet?',
    shared: true,
    holders: [{ id: 'h1', name: 'Pat', email: 'pat@example.org', phone: '', isOwner: false }],
    roles: [],
    resetLinks: [],
    emails: [],
    audit: [],
    passwordChangeImpact: { products: ['EMResource'], liveSessions: 0 },
    passwordHistory: [],
    ...o,
  };
}

const admin = (
  role: 'helpdesk' | 'administrator',
  permissions: readonly string[],
): AdminIdentity => ({
  accountId: 'me',
  username: 'me',
  name: 'Me',
  superAdmin: false,
  grants: [
    {
      role,
      organizationId: ORG,
      organizationName: 'Demo Health',
      permissions: [...permissions] as AdminIdentity['grants'][number]['permissions'],
    },
  ],
  idleLockMinutes: 15,
});

describe('actions offered by role (mirroring the service)', () => {
  it('a helpdesk with the default grant gets the helpdesk actions only', () => {
    expect(offeredActions(admin('helpdesk', DEFAULT_HELPDESK_PERMISSIONS), view())).toEqual([
      'send-reset-email',
      'send-username-reminder',
      'unlock',
    ]);
  });

  it('an administrator also gets the shared-login and administrative actions', () => {
    expect(offeredActions(admin('administrator', PERMISSIONS), view())).toEqual([
      'send-reset-email',
      'send-username-reminder',
      'unlock',
      'clear-security-question',
      'reset-shared-login',
      'convert-shared-login',
      'disable',
    ]);
  });

  it('nothing on an account of equal power, nor on one’s own', () => {
    const peer = view({ roles: [{ role: 'administrator', organizationId: ORG }] });
    expect(offeredActions(admin('administrator', PERMISSIONS), peer)).toEqual([]);
    expect(whyNoActions(admin('administrator', PERMISSIONS), peer)).toMatch(/as much power/);
    expect(offeredActions(admin('administrator', PERMISSIONS), view({ id: 'me' }))).toEqual([]);
  });

  it('an organization outside the grants gets nothing offered', () => {
    const elsewhere = view({
      organization: { id: 'other', name: 'Other', adminContact: '', externalLoginUrl: null },
    });
    expect(offeredActions(admin('administrator', PERMISSIONS), elsewhere)).toEqual([]);
  });
});

describe('the service’s own rules, as the console asks them', () => {
  it('a permission holds only in the organization of the grant', () => {
    const agent = admin('helpdesk', ['unlock']);
    expect(holds(agent, 'unlock', ORG)).toBe(true);
    expect(holds(agent, 'unlock', 'other')).toBe(false);
    expect(holds(agent, 'disable', ORG)).toBe(false);
  });

  it('one’s own account is refused in the words the service uses', () => {
    expect(whyNoActions(admin('administrator', PERMISSIONS), view({ id: 'me' }))).toBe(
      'This is your own account: use the Log In pages to change it.',
    );
  });
});

describe('what changed, for a 412', () => {
  it('names each changed field with its before and after, and the activity since', () => {
    const seen = view();
    const current = view(
      {
        version: 4,
        audit: [{ id: 'e1', at: 2, type: 'admin_action', actor: 'x', actorName: 'x', detail: {} }],
      },
      { locked: false, lockReason: null, failedAttempts: 0 },
    );
    expect(diffViews(seen, current)).toEqual([
      { field: 'Locked', before: 'yes', after: 'no' },
      { field: 'Lock reason', before: 'Too many failed sign-ins', after: '—' },
      { field: 'Failed attempts', before: '5', after: '0' },
      { field: 'Activity since you opened it', before: '', after: 'Administrator action' },
    ]);
  });
});
