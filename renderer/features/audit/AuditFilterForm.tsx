import { useState, type FormEvent } from 'react';
import type { Organization } from '../../../common/api/organizations.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useOrganizations } from '../../queries/organizations.ts';
import type { AuditFilterValues } from './audit-filter-store.ts';

/** The form's text, as typed: dates as `datetime-local` values. */
interface Draft {
  actor: string;
  account: string;
  type: string;
  organization: string;
  from: string;
  to: string;
}

/** Event types and administrators' actions offered as suggestions (any text is accepted). */
const SUGGESTED_ACTIONS = [
  'sign_in',
  'sign_in_failed',
  'lockout',
  'reset_requested',
  'password_changed',
  'mail_sent',
  'mail_failed',
  'admin_sign_in',
  'admin_action',
  'caller_verification',
  'send-reset-email',
  'unlock',
  'set-temporary-password',
  'clear-security-question',
  'disable',
  'enable',
];

const pad = (n: number) => String(n).padStart(2, '0');

/** A moment as a `datetime-local` value in the agent's own time zone. */
function localInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const draftOf = (f: AuditFilterValues): Draft => ({
  actor: f.actor ?? '',
  account: f.account ?? '',
  type: f.type ?? '',
  organization: f.organization ?? '',
  from: localInput(f.from),
  to: localInput(f.to),
});

/** The draft as filters: blanks left out, local date-times as moments. */
function valuesOf(d: Draft): AuditFilterValues {
  const text = (v: string) => (v.trim() === '' ? undefined : v.trim());
  const moment = (v: string) => (v === '' ? undefined : new Date(v).getTime());
  return Object.fromEntries(
    Object.entries({
      actor: text(d.actor),
      account: text(d.account),
      type: text(d.type),
      organization: text(d.organization),
      from: moment(d.from),
      to: moment(d.to),
    }).filter(([, v]) => v !== undefined),
  ) as AuditFilterValues;
}

/**
 * The organizations whose audit the administrator reads: a super-administrator every one the
 * service lists; anyone else those where a grant carries read_audit (named as the service names them).
 */
function organizationsOf(connection: Connection, listed: Organization[] | undefined) {
  const names = new Map((listed ?? []).map((o) => [o.id, o.name]));
  if (connection.admin?.superAdmin && listed) return [...names];
  const seen = new Map<string, string>();
  for (const g of connection.admin?.grants ?? [])
    if (g.organizationId && g.permissions.includes('read_audit'))
      seen.set(
        g.organizationId,
        names.get(g.organizationId) ?? g.organizationName ?? g.organizationId,
      );
  return [...seen];
}

interface Props {
  connection: Connection;
  applied: AuditFilterValues;
  /** The field an error points at (from main's validation), marked invalid. */
  invalidField: string | undefined;
  onApply(filters: AuditFilterValues): void;
}

/** Filters by actor, account, action, organization and time; applied on submit (Enter). */
export function AuditFilterForm({ connection, applied, invalidField, onApply }: Props) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(applied));
  const listed = useOrganizations(connection.id).data?.items;
  const organizations = organizationsOf(connection, listed);
  const field = (name: keyof Draft) => ({
    id: `audit-filter-${name}`,
    name,
    value: draft[name],
    'aria-invalid': invalidField === name ? true : undefined,
    onChange: (event: { target: { value: string } }) =>
      setDraft((d) => ({ ...d, [name]: event.target.value })),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(valuesOf(draft));
  };
  const clear = () => {
    setDraft(draftOf({}));
    onApply({});
  };

  return (
    <form className="audit-filters" aria-label="Audit filters" onSubmit={submit}>
      <label htmlFor="audit-filter-actor">Actor</label>
      <input {...field('actor')} placeholder="Username, self or system" spellCheck={false} />
      <label htmlFor="audit-filter-account">Account</label>
      <input {...field('account')} placeholder="Username or id" spellCheck={false} />
      <label htmlFor="audit-filter-type">Action</label>
      <input {...field('type')} list="audit-actions" placeholder="e.g. unlock" spellCheck={false} />
      <datalist id="audit-actions">
        {SUGGESTED_ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <label htmlFor="audit-filter-organization">Organization</label>
      <select {...field('organization')}>
        <option value="">
          {connection.admin?.superAdmin ? 'Every organization' : 'All my organizations'}
        </option>
        {organizations.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
      <label htmlFor="audit-filter-from">From</label>
      <input {...field('from')} type="datetime-local" />
      <label htmlFor="audit-filter-to">To</label>
      <input {...field('to')} type="datetime-local" />
      <div className="buttons audit-filter-buttons">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
