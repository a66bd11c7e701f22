import { PERMISSIONS, type Permission } from '../../../common/api/auth.ts';

/** How one policy field is edited and said (SPEC §4); the service validates it. */
export type PolicyField =
  | { key: string; label: string; kind: 'number'; nullable: boolean; hint?: string }
  | { key: string; label: string; kind: 'text'; nullable: boolean; hint?: string }
  | { key: string; label: string; kind: 'boolean'; hint?: string }
  | { key: string; label: string; kind: 'lines'; hint?: string }
  | { key: string; label: string; kind: 'permissions'; hint?: string };

/** The fields of an organization's policy, in the order the screen shows them. */
export const POLICY_FIELDS: PolicyField[] = [
  {
    key: 'resetLinkTtlMinutes',
    label: 'Reset-link lifetime (minutes)',
    kind: 'number',
    nullable: true,
    hint: 'Empty: the service default.',
  },
  { key: 'wrongAnswersPerLink', label: 'Wrong answers per link', kind: 'number', nullable: false },
  {
    key: 'wrongAnswersPerDay',
    label: 'Wrong answers per account per 24 hours',
    kind: 'number',
    nullable: false,
  },
  {
    key: 'lockoutThreshold',
    label: 'Failed sign-ins before lockout',
    kind: 'number',
    nullable: false,
  },
  {
    key: 'lockoutMinutes',
    label: 'Lockout duration (minutes)',
    kind: 'number',
    nullable: true,
    hint: 'Empty: locked until an administrator unlocks.',
  },
  {
    key: 'resetEmailsPerHour',
    label: 'Reset emails per account per hour',
    kind: 'number',
    nullable: false,
  },
  { key: 'idleLockMinutes', label: 'Console idle lock (minutes)', kind: 'number', nullable: false },
  {
    key: 'adminContact',
    label: 'How account holders reach the administrators',
    kind: 'text',
    nullable: false,
  },
  {
    key: 'externalLoginUrl',
    label: 'External login service address',
    kind: 'text',
    nullable: true,
    hint: 'Empty: passwords are reset here.',
  },
  { key: 'allowSharedLogins', label: 'Allow shared logins', kind: 'boolean' },
  { key: 'adminTotpExempt', label: 'Exempt administrators from TOTP', kind: 'boolean' },
  { key: 'securityQuestions', label: 'Security questions (one a line)', kind: 'lines' },
  { key: 'helpdeskPermissions', label: 'What the helpdesk role may do', kind: 'permissions' },
];

/** A policy as the form holds it: text for inputs, booleans for boxes, lists for permissions. */
export type PolicyDraft = Record<string, string | boolean | Permission[]>;

/** The form's values for a policy. */
export function draftOf(policy: Record<string, unknown>): PolicyDraft {
  const draft: PolicyDraft = {};
  for (const f of POLICY_FIELDS) {
    const value = policy[f.key];
    if (f.kind === 'boolean') draft[f.key] = value === true;
    else if (f.kind === 'lines') draft[f.key] = Array.isArray(value) ? value.join('\n') : '';
    else if (f.kind === 'permissions')
      draft[f.key] = Array.isArray(value) ? (value as Permission[]) : [];
    else draft[f.key] = value === null || value === undefined ? '' : String(value);
  }
  return draft;
}

/** The policy a form says, over the one it was read from (fields it does not show kept as they were). */
export function policyOf(
  base: Record<string, unknown>,
  draft: PolicyDraft,
): Record<string, unknown> {
  const policy: Record<string, unknown> = { ...base };
  for (const f of POLICY_FIELDS) {
    const value = draft[f.key];
    if (f.kind === 'boolean' || f.kind === 'permissions') policy[f.key] = value;
    else if (f.kind === 'lines')
      policy[f.key] = String(value)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    else {
      const text = String(value).trim();
      if (text === '' && f.nullable) policy[f.key] = null;
      // A number the service refuses is named by it, next to the field; NaN never leaves here.
      else policy[f.key] = f.kind === 'number' && /^-?\d+$/.test(text) ? Number(text) : text;
    }
  }
  return policy;
}

/** The fields whose values differ between two policies, by label. */
export function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return POLICY_FIELDS.filter((f) => JSON.stringify(a[f.key]) !== JSON.stringify(b[f.key])).map(
    (f) => f.label,
  );
}

/** Every permission, for the helpdesk role's boxes. */
export const ALL_PERMISSIONS: readonly Permission[] = PERMISSIONS;

/** A permission in words. */
export const permissionWords = (p: Permission): string => p.replace(/_/g, ' ');
