import type { AccountView } from '../../../common/api/account-view.ts';
import type { Clock } from '../../clock.ts';
import type { Account, Db, ResetLink } from '../../store/schema.ts';
import { productLogoutsOf } from '../../oidc/product-sessions.ts';
import { holdersOf, isLocked, organizationOf, productsOf } from '../accounts.ts';

const RECENT = 50;

function linkState(link: ResetLink, now: number): AccountView['resetLinks'][number]['state'] {
  if (link.used_at !== null) return 'used';
  if (link.revoked_at !== null) return 'revoked';
  return link.expires_at <= now ? 'expired' : 'outstanding';
}

async function recentAudit(db: Db, accountId: string) {
  const rows = await db
    .selectFrom('audit_events')
    .leftJoin('accounts as actor', 'actor.id', 'audit_events.actor')
    .select([
      'audit_events.id',
      'audit_events.at',
      'audit_events.type',
      'audit_events.actor',
      'audit_events.detail',
      'actor.username as actor_name',
    ])
    .where('audit_events.account_id', '=', accountId)
    .orderBy('audit_events.seq', 'desc')
    .limit(RECENT)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    type: r.type,
    actor: r.actor,
    actorName: r.actor_name ?? null,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}

/**
 * Admin actions that set a password (they record `admin_action`, not `password_changed`), with
 * how the history names each, as `password_changed_how` does.
 */
const PASSWORD_ACTIONS = new Map([
  ['set-temporary-password', 'temporary'],
  ['reset-shared-login', 'shared_reset'],
]);
const HISTORY_SCAN = 500;

/** Every password change the audit log holds for the account, newest first (SPEC §2, §3). */
async function passwordHistory(db: Db, accountId: string): Promise<AccountView['passwordHistory']> {
  const rows = await db
    .selectFrom('audit_events')
    .leftJoin('accounts as actor', 'actor.id', 'audit_events.actor')
    .select([
      'audit_events.at',
      'audit_events.type',
      'audit_events.actor',
      'audit_events.detail',
      'actor.username as actor_name',
    ])
    .where('audit_events.account_id', '=', accountId)
    .where('audit_events.type', 'in', ['password_changed', 'admin_action'])
    .orderBy('audit_events.seq', 'desc')
    .limit(HISTORY_SCAN)
    .execute();
  return rows.flatMap((r) => {
    const detail = JSON.parse(r.detail) as { how?: unknown; action?: unknown };
    const how =
      r.type === 'password_changed'
        ? String(detail.how ?? 'change')
        : (PASSWORD_ACTIONS.get(String(detail.action)) ?? null);
    if (how === null) return [];
    return [
      { at: r.at, how, by: r.actor, byName: r.actor === 'self' ? null : (r.actor_name ?? null) },
    ];
  });
}

async function lockReason(db: Db, account: Account): Promise<string | null> {
  if (account.locked_at === null) return null;
  const event = await db
    .selectFrom('audit_events')
    .select('detail')
    .where('account_id', '=', account.id)
    .where('type', '=', 'lockout')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const trigger = event ? (JSON.parse(event.detail) as { trigger?: string }).trigger : undefined;
  if (trigger === 'security_question') return 'Too many wrong security answers';
  if (trigger === 'wrong_password') return 'Too many failed sign-ins';
  return 'Locked by an administrator or by an import';
}

/** Everything the console shows about one account (SPEC §3), in one read. */
export async function loadAccountView(
  db: Db,
  clock: Clock,
  account: Account,
): Promise<AccountView> {
  const now = clock.now();
  const [org, products, holders, links, emails, audit, roles, sessions, reason, history, logouts] =
    await Promise.all([
      organizationOf(db, account),
      productsOf(db, account.id),
      holdersOf(db, account.id),
      db
        .selectFrom('reset_links')
        .selectAll()
        .where('account_id', '=', account.id)
        .orderBy('created_at', 'desc')
        .limit(20)
        .execute(),
      db
        .selectFrom('outbox')
        .select([
          'id',
          'kind',
          'to_address',
          'subject',
          'created_at',
          'status',
          'attempts',
          'sent_at',
          'last_error',
        ])
        .where('account_id', '=', account.id)
        .orderBy('created_at', 'desc')
        .limit(RECENT)
        .execute(),
      recentAudit(db, account.id),
      db
        .selectFrom('role_grants')
        .select(['role', 'organization_id'])
        .where('account_id', '=', account.id)
        .execute(),
      db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', account.id)
        .where('ended_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow(),
      lockReason(db, account),
      passwordHistory(db, account.id),
      productLogoutsOf(db, account.id),
    ]);
  const locked = isLocked(account, now);
  return {
    id: account.id,
    version: account.version,
    username: account.username,
    email: account.email,
    name: account.name,
    phone: account.phone,
    organization: {
      id: org.id,
      name: org.name,
      adminContact: org.policy.adminContact,
      externalLoginUrl: org.policy.externalLoginUrl,
    },
    products: products.map((p) => ({ code: p.code, name: p.name })),
    status: {
      disabled: account.disabled_at !== null,
      disabledAt: account.disabled_at,
      locked,
      lockedAt: locked ? account.locked_at : null,
      lockedUntil: locked ? account.locked_until : null,
      lockReason: locked ? reason : null,
      failedAttempts: account.failed_count,
      mustChangePassword: account.must_change_password === 1,
      temporaryPasswordExpiresAt: account.temp_password_expires_at,
    },
    lastSignInAt: account.last_sign_in_at,
    passwordChange: {
      at: account.password_changed_at,
      how: account.password_changed_how,
      by: account.password_changed_by,
    },
    passwordHistory: history,
    securityQuestion: account.security_question,
    shared: account.shared === 1,
    holders: holders.map((h) => ({
      id: h.id,
      name: h.name,
      email: h.email,
      phone: h.phone,
      isOwner: h.is_owner === 1,
    })),
    roles: roles.map((r) => ({ role: r.role, organizationId: r.organization_id })),
    resetLinks: links.map((l) => ({
      id: l.id,
      purpose: l.purpose,
      issuedAt: l.created_at,
      openedAt: l.opened_at,
      expiresAt: l.expires_at,
      usedAt: l.used_at,
      revokedAt: l.revoked_at,
      revokedReason: l.revoked_reason,
      state: linkState(l, now),
    })),
    emails: emails.map((m) => ({
      id: m.id,
      kind: m.kind,
      to: m.to_address,
      subject: m.subject,
      queuedAt: m.created_at,
      // Being sent (sending, unconfirmed) reads as queued until the server's answer is recorded.
      status: (m.status === 'sending' || m.status === 'unconfirmed'
        ? 'queued'
        : m.status) as AccountView['emails'][number]['status'],
      attempts: m.attempts,
      sentAt: m.sent_at,
      error: m.last_error,
    })),
    audit,
    productLogouts: logouts,
    passwordChangeImpact: {
      products: products.map((p) => p.name),
      liveSessions: Number(sessions.n),
    },
  };
}

/**
 * Makes a new version of the account if it is still at the version the caller saw (If-Match):
 * true when it was, false when another change came first.
 */
export async function bumpVersion(
  db: Db,
  account: { id: string; version: number },
): Promise<boolean> {
  const bumped = await db
    .updateTable('accounts')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', account.id)
    .where('version', '=', account.version)
    .executeTakeFirst();
  return Number(bumped.numUpdatedRows) === 1;
}
