import { DomainError } from '../../domain-error.ts';
import { accessChangedMail, unlockedMail } from '../../../mail/admin-templates.ts';
import { passwordResetMail, usernameReminderMail } from '../../../mail/templates.ts';
import { findAccountsByIdentifier, productsOf } from '../../accounts.ts';
import { queueMail } from '../../outbox.ts';
import { issueResetLink, resetAddress, revokeResetLinks } from '../../reset-links.ts';
import { endAccountSessions } from '../../sessions.ts';
import { revokeAccountTokens } from '../api-tokens.ts';
import type { Clock } from '../../../clock.ts';
import type { Db } from '../../../store/schema.ts';
import type { ActionSpec } from '../action-runner.ts';
import { maskEmail, notifyAccount } from './notify.ts';

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16) + ' UTC';

/** Disables the account and cuts it off: its sessions ended, its tokens and reset links revoked. */
export async function disableEverywhere(
  trx: Db,
  clock: Clock,
  accountId: string,
  linksRevokedBecause: string,
): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({ disabled_at: clock.now() })
    .where('id', '=', accountId)
    .execute();
  await endAccountSessions(trx, clock, accountId);
  await revokeAccountTokens(trx, clock, accountId);
  await revokeResetLinks(trx, clock, accountId, linksRevokedBecause);
}

/** Emails the forgotten-password link, as the account holder's own request would (SPEC §1). */
export const sendResetEmail: ActionSpec = {
  permission: 'send_link',
  needsVerification: false,
  async run({ trx, ctx, account, organization }) {
    if (account.disabled_at !== null)
      throw new DomainError('conflict', 'This account is disabled: enable it first.');
    // SPEC §1: an organization that moved to an external login service resets passwords there.
    const external = organization.policy.externalLoginUrl;
    if (external)
      throw new DomainError(
        'conflict',
        `${organization.name} signs in through ${external}: the password is reset there, not here.`,
      );
    if (!account.security_answer_hash)
      throw new DomainError(
        'conflict',
        'This account has no security question, so a reset link cannot be completed. Set a temporary password instead.',
      );
    const ttl = organization.policy.resetLinkTtlMinutes
      ? organization.policy.resetLinkTtlMinutes * 60_000
      : ctx.config.resetLinkTtlMs;
    const to = await resetAddress(trx, account);
    const { token, expiresAt } = await issueResetLink(trx, ctx.clock, account, 'reset', to, ttl);
    const products = (await productsOf(trx, account.id)).map((p) => p.name);
    const content = passwordResetMail(
      account.username,
      `${ctx.config.publicUrl}/reset/${token}`,
      expiresAt,
      products,
    );
    const id = await queueMail(trx, ctx.clock, {
      kind: 'password_reset',
      to,
      accountId: account.id,
      content,
      expiresAt,
    });
    return {
      summary: `Reset email queued for ${maskEmail(to)}, link valid until ${time(expiresAt)}`,
      linkExpiresAt: expiresAt,
      mailIds: [id],
    };
  },
};

/** Emails every username registered to the account's address. */
export const sendUsernameReminder: ActionSpec = {
  permission: 'send_link',
  needsVerification: false,
  async run({ trx, ctx, account }) {
    const usernames = (await findAccountsByIdentifier(trx, account.email))
      .filter((a) => a.disabled_at === null)
      .map((a) => a.username);
    const content = usernameReminderMail(
      usernames.length ? usernames : [account.username],
      `${ctx.config.publicUrl}/login`,
    );
    const id = await queueMail(trx, ctx.clock, {
      kind: 'username_reminder',
      to: account.email,
      accountId: account.id,
      content,
    });
    return { summary: `Username reminder queued for ${maskEmail(account.email)}`, mailIds: [id] };
  },
};

/** Clears a lockout and its failure count, and tells the owner (R47). */
export const unlock: ActionSpec = {
  permission: 'unlock',
  needsVerification: true,
  async run(scope) {
    const { trx, account, organization } = scope;
    if (account.locked_at === null && account.failed_count === 0)
      throw new DomainError('conflict', 'This account is not locked.');
    await trx
      .updateTable('accounts')
      .set({ locked_at: null, locked_until: null, failed_count: 0 })
      .where('id', '=', account.id)
      .execute();
    const mailIds = await notifyAccount(
      scope,
      account,
      'account_unlocked',
      unlockedMail(account.username, organization.policy.adminContact),
    );
    return { summary: `${account.username} unlocked; the owner was told by email`, mailIds };
  },
};

/** Signs the account out of every product. */
export const endSessions: ActionSpec = {
  permission: 'end_sessions',
  needsVerification: false,
  async run({ trx, ctx, account }) {
    const ended = await endAccountSessions(trx, ctx.clock, account.id);
    await revokeAccountTokens(trx, ctx.clock, account.id);
    return {
      summary: `${ended} session${ended === 1 ? '' : 's'} of ${account.username} ended`,
      mailIds: [],
    };
  },
};

/** Kills every outstanding reset link. */
export const invalidateLinks: ActionSpec = {
  permission: 'send_link',
  needsVerification: false,
  async run({ trx, ctx, account }) {
    const n = await revokeResetLinks(trx, ctx.clock, account.id, 'invalidated_by_staff');
    return {
      summary: `${n} outstanding reset link${n === 1 ? '' : 's'} of ${account.username} invalidated`,
      mailIds: [],
    };
  },
};

/** Disables the account: no sign-in, sessions and links end (SPEC §3). */
export const disable: ActionSpec = {
  permission: 'disable',
  needsVerification: false,
  async run(scope) {
    const { trx, ctx, account, organization } = scope;
    if (account.disabled_at !== null)
      throw new DomainError('conflict', 'This account is already disabled.');
    await disableEverywhere(trx, ctx.clock, account.id, 'account_disabled');
    const mailIds = await notifyAccount(
      scope,
      account,
      'access_changed',
      accessChangedMail(account.username, true, organization.policy.adminContact),
    );
    return { summary: `${account.username} disabled; sessions and reset links ended`, mailIds };
  },
};

/** Enables a disabled account again. */
export const enable: ActionSpec = {
  permission: 'disable',
  needsVerification: false,
  async run(scope) {
    const { trx, account, organization } = scope;
    if (account.disabled_at === null)
      throw new DomainError('conflict', 'This account is not disabled.');
    await trx
      .updateTable('accounts')
      .set({ disabled_at: null })
      .where('id', '=', account.id)
      .execute();
    const mailIds = await notifyAccount(
      scope,
      account,
      'access_changed',
      accessChangedMail(account.username, false, organization.policy.adminContact),
    );
    return { summary: `${account.username} enabled`, mailIds };
  },
};
