import type { AccountView } from '../../../common/api/account-view.ts';
import { formatTime } from '../../format/time.ts';
import { auditTypeWords } from '../account/audit-words.ts';

/** One field that changed between the account the agent saw and the account now. */
export interface Change {
  field: string;
  before: string;
  after: string;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const when = (ms: number | null) => (ms === null ? 'never' : formatTime(ms));
const count = <T>(list: T[], keep: (x: T) => boolean) => String(list.filter(keep).length);

/** What a 412 is about, in the agent's words: each field of the view worth comparing. */
const FIELDS: Array<[string, (v: AccountView) => string]> = [
  ['Username', (v) => v.username],
  ['Name', (v) => v.name],
  ['Email', (v) => v.email],
  ['Phone', (v) => v.phone],
  ['Organization', (v) => v.organization.name],
  ['Products', (v) => v.products.map((p) => p.name).join(', ') || 'none'],
  ['Disabled', (v) => yesNo(v.status.disabled)],
  ['Locked', (v) => yesNo(v.status.locked)],
  ['Lock reason', (v) => v.status.lockReason ?? '—'],
  ['Failed attempts', (v) => String(v.status.failedAttempts)],
  ['Must change password', (v) => yesNo(v.status.mustChangePassword)],
  ['Security question', (v) => v.securityQuestion ?? 'none'],
  ['Shared login', (v) => yesNo(v.shared)],
  ['Holders', (v) => v.holders.map((h) => h.name).join(', ') || 'none'],
  ['Console roles', (v) => v.roles.map((r) => r.role.replace('_', ' ')).join(', ') || 'none'],
  ['Password last changed', (v) => when(v.passwordChange.at)],
  ['Last sign-in', (v) => when(v.lastSignInAt)],
  ['Outstanding reset links', (v) => count(v.resetLinks, (l) => l.state === 'outstanding')],
  ['Failed emails', (v) => count(v.emails, (m) => m.status === 'failed')],
  ['Emails', (v) => String(v.emails.length)],
  ['Live sessions', (v) => String(v.passwordChangeImpact.liveSessions)],
];

/** The fields that differ; the audit entries added since, as "Activity". */
export function diffViews(seen: AccountView, current: AccountView): Change[] {
  const changes: Change[] = [];
  for (const [field, read] of FIELDS) {
    const before = read(seen);
    const after = read(current);
    if (before !== after) changes.push({ field, before, after });
  }
  const known = new Set(seen.audit.map((a) => a.id));
  const added = current.audit.filter((a) => !known.has(a.id));
  if (added.length > 0) {
    changes.push({
      field: 'Activity since you opened it',
      before: '',
      after: added.map((a) => auditTypeWords(a.type)).join(', '),
    });
  }
  return changes;
}
