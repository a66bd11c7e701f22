import type { AuditEvent } from '../../../common/api/audit.ts';

/** Who acted: a username when the actor is an account, else `self` / `system` in words. */
export function actorText(event: AuditEvent): string {
  if (event.actorUsername) return event.actorUsername;
  if (event.actor === 'self') return 'the account holder';
  if (event.actor === 'system') return 'the system';
  return event.actor;
}

/** Whom it concerned: the account (and its organization), or the organization alone. */
export function subjectText(event: AuditEvent): string {
  const account = event.accountUsername ?? event.accountId;
  const org = event.organizationName ?? event.organizationId;
  if (account && org) return `${account} · ${org}`;
  return account ?? org ?? '—';
}
