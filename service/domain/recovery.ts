import type { ServiceContext } from '../context.ts';
import type { Account, Db, RecoveryRequestKind } from '../store/schema.ts';
import {
  passwordResetMail,
  resetUnavailableMail,
  usernameReminderMail,
} from '../mail/templates.ts';
import {
  findAccountsByIdentifier,
  identifierDigest,
  organizationOf,
  productsOf,
} from './accounts.ts';
import { recordAudit, type AuditEntry } from './audit.ts';
import { countRecentMail, queueMail } from './outbox.ts';
import { withinLimit } from './rate-limits.ts';
import { recentWrongAnswers } from './challenge-answers.ts';
import { issueResetLink, resetAddress } from './reset-links.ts';

const HOUR_MS = 3_600_000;
/** Per-address and per-IP ceilings on recovery mail requests (R43); excess is dropped silently. */
export const REQUESTS_PER_ADDRESS_PER_HOUR = 5;

/**
 * The audit event of a recovery request whose identifier names no account (R9): the page said
 * the same as for any other (R1, R2); only the record tells them apart.
 */
export function unknownIdentifierAudit(kind: RecoveryRequestKind, ip: string | null): AuditEntry {
  return kind === 'password'
    ? { type: 'reset_requested', ip, detail: { outcome: 'unknown_account' } }
    : {
        type: 'username_reminder_requested',
        ip,
        detail: { outcome: 'unknown_address', accounts: 0 },
      };
}

/**
 * Retrieve Forgotten Username, processed off the request path (R5): one email listing every
 * username on the address; unknown addresses get nothing, and the caller cannot tell which
 * happened (R2, R27). Runs in the caller's transaction, with the IP of the original request.
 */
export async function requestUsernameReminder(
  trx: Db,
  ctx: ServiceContext,
  email: string,
  ip: string | null,
): Promise<void> {
  const accounts = email.includes('@')
    ? (await findAccountsByIdentifier(trx, email)).filter((a) => a.disabled_at === null)
    : [];
  const allowed = await withinLimit(
    trx,
    ctx.clock,
    `username-reminder:${identifierDigest(email)}`,
    REQUESTS_PER_ADDRESS_PER_HOUR,
    HOUR_MS,
  );
  const first = accounts[0];
  if (!first) return recordAudit(trx, ctx.clock, unknownIdentifierAudit('username', ip));
  await recordAudit(trx, ctx.clock, {
    type: 'username_reminder_requested',
    accountId: first.id,
    organizationId: first.organization_id,
    ip,
    detail: { outcome: allowed ? 'sent' : 'rate_limited', accounts: accounts.length },
  });
  if (!allowed) return;
  const content = usernameReminderMail(
    accounts.map((a) => a.username),
    `${ctx.config.publicUrl}/login`,
  );
  await queueMail(trx, ctx.clock, {
    kind: 'username_reminder',
    to: first.email,
    accountId: first.id,
    content,
  });
}

type ResetOutcome =
  'link' | 'no_question' | 'external' | 'challenge_locked' | 'disabled' | 'rate_limited';

async function resetOutcome(trx: Db, ctx: ServiceContext, account: Account): Promise<ResetOutcome> {
  const org = await organizationOf(trx, account);
  if (account.disabled_at !== null) return 'disabled';
  const recent = await countRecentMail(
    trx,
    account.id,
    'password_reset',
    ctx.clock.now() - HOUR_MS,
  );
  const recentOther = await countRecentMail(
    trx,
    account.id,
    'reset_unavailable',
    ctx.clock.now() - HOUR_MS,
  );
  if (recent + recentOther >= org.policy.resetEmailsPerHour) return 'rate_limited';
  if (org.policy.externalLoginUrl) return 'external';
  if (!account.security_answer_hash) return 'no_question';
  if ((await recentWrongAnswers(trx, ctx.clock, account.id)) >= org.policy.wrongAnswersPerDay)
    return 'challenge_locked';
  return 'link';
}

/**
 * Reset Your Password, processed off the request path (R5): queues the right email for every
 * account the identifier names; the page said nothing about them, and the work it did was the
 * same for unknown accounts (R1). Runs in the caller's transaction, with the request's IP.
 */
export async function requestPasswordReset(
  trx: Db,
  ctx: ServiceContext,
  identifier: string,
  ip: string | null,
): Promise<void> {
  const accounts = await findAccountsByIdentifier(trx, identifier);
  await withinLimit(
    trx,
    ctx.clock,
    `reset-request:${identifierDigest(identifier)}`,
    REQUESTS_PER_ADDRESS_PER_HOUR,
    HOUR_MS,
  );
  if (accounts.length === 0)
    return recordAudit(trx, ctx.clock, unknownIdentifierAudit('password', ip));
  for (const account of accounts) {
    const outcome = await resetOutcome(trx, ctx, account);
    const org = await organizationOf(trx, account);
    await recordAudit(trx, ctx.clock, {
      type: 'reset_requested',
      accountId: account.id,
      organizationId: org.id,
      ip,
      detail: { outcome },
    });
    if (outcome === 'disabled' || outcome === 'rate_limited') continue;
    const to = await resetAddress(trx, account);
    if (outcome === 'link') {
      const ttl = org.policy.resetLinkTtlMinutes
        ? org.policy.resetLinkTtlMinutes * 60_000
        : ctx.config.resetLinkTtlMs;
      const { token, expiresAt } = await issueResetLink(trx, ctx.clock, account, 'reset', to, ttl);
      const products = (await productsOf(trx, account.id)).map((p) => p.name);
      const content = passwordResetMail(
        account.username,
        `${ctx.config.publicUrl}/reset/${token}`,
        expiresAt,
        products,
      );
      await queueMail(trx, ctx.clock, {
        kind: 'password_reset',
        to,
        accountId: account.id,
        content,
        expiresAt,
      });
    } else {
      const content = resetUnavailableMail(
        account.username,
        outcome,
        org.policy.adminContact,
        org.policy.externalLoginUrl,
      );
      await queueMail(trx, ctx.clock, {
        kind: 'reset_unavailable',
        to,
        accountId: account.id,
        content,
      });
    }
  }
}
