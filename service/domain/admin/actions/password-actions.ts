import { DomainError } from '../../domain-error.ts';
import {
  questionClearedMail,
  sharedLoginResetMail,
  temporaryPasswordMail,
} from '../../../mail/admin-templates.ts';
import type { Holder } from '../../../store/schema.ts';
import { holdersOf, productsOf } from '../../accounts.ts';
import { revokeResetLinks } from '../../reset-links.ts';
import { endAccountSessions } from '../../sessions.ts';
import { generateTemporaryPassword, TEMPORARY_PASSWORD_TTL_MS } from '../../temporary-passwords.ts';
import { revokeAccountTokens } from '../api-tokens.ts';
import type { ActionOutcome, ActionScope, ActionSpec } from '../action-runner.ts';
import { notifyAccount } from './notify.ts';

interface NewPassword {
  password: string;
  /** A temporary password must change at the first sign-in; a shared login's does not (SPEC §2). */
  mustChange: boolean;
  expiresAt: number | null;
  how: 'temporary' | 'shared_reset';
}

/** Sets a generated password and clears the lock; sessions, API tokens and reset links end. Answers the sessions ended. */
async function replacePassword(scope: ActionScope, next: NewPassword): Promise<number> {
  const { trx, ctx, account, admin } = scope;
  if (account.disabled_at !== null)
    throw new DomainError('conflict', 'This account is disabled: enable it first.');
  await trx
    .updateTable('accounts')
    .set({
      password_hash: await ctx.hasher.hash(next.password),
      must_change_password: next.mustChange ? 1 : 0,
      temp_password_expires_at: next.expiresAt,
      failed_count: 0,
      locked_at: null,
      locked_until: null,
      password_changed_at: ctx.clock.now(),
      password_changed_how: next.how,
      password_changed_by: admin.accountId,
    })
    .where('id', '=', account.id)
    .execute();
  const ended = await endAccountSessions(trx, ctx.clock, account.id);
  await revokeAccountTokens(trx, ctx.clock, account.id);
  await revokeResetLinks(trx, ctx.clock, account.id, 'password_changed');
  return ended;
}

const sessionsEnded = (n: number) => `${n} session${n === 1 ? '' : 's'} ended`;

/**
 * Sets a server-generated temporary password (no staff-chosen value exists, R59): single use,
 * 24 hours, must change at first sign-in; sessions and links end; the owner is told, without
 * the password (R26).
 */
async function setTemporaryPassword(scope: ActionScope): Promise<ActionOutcome> {
  const { trx, ctx, account, organization } = scope;
  const password = generateTemporaryPassword();
  const now = ctx.clock.now();
  const expiresAt = now + TEMPORARY_PASSWORD_TTL_MS;
  const ended = await replacePassword(scope, {
    password,
    mustChange: true,
    expiresAt,
    how: 'temporary',
  });
  const products = (await productsOf(trx, account.id)).map((p) => p.name);
  const content = temporaryPasswordMail(
    account.username,
    now,
    expiresAt,
    products,
    organization.policy.adminContact,
  );
  const mailIds = await notifyAccount(scope, account, 'temporary_password', content);
  return {
    summary: `Temporary password set for ${account.username}; ${sessionsEnded(ended)}; the owner was told by email`,
    temporaryPassword: password,
    temporaryPasswordExpiresAt: expiresAt,
    mailIds,
  };
}

export const setTemporaryPasswordAction: ActionSpec = {
  permission: 'set_password',
  needsVerification: true,
  run: (scope) => {
    if (scope.account.shared)
      throw new DomainError(
        'conflict',
        'This is a shared login: use “reset shared login”, which tells every holder.',
      );
    return setTemporaryPassword(scope);
  },
};

/** The agent as the holders know them: the name, and the username when it differs. */
const agentName = (admin: ActionScope['admin']) =>
  admin.name && admin.name !== admin.username
    ? `${admin.name} (${admin.username})`
    : admin.username;

/** The holder on the phone, who must be one of this login's holders (SPEC §2). */
async function callingHolder(scope: ActionScope): Promise<Holder> {
  const id = scope.request.holderId;
  if (id === undefined)
    throw new DomainError(
      'validation_failed',
      'Choose the holder who is on the phone: they receive the new password.',
      'holderId',
    );
  const holder = (await holdersOf(scope.trx, scope.account.id)).find((h) => h.id === id);
  if (!holder)
    throw new DomainError(
      'validation_failed',
      `That holder does not hold ${scope.account.username}: choose one of its holders.`,
      'holderId',
    );
  return holder;
}

/**
 * Resets a shared login for the holder on the phone (SPEC §2, §7): a generated password meant
 * to be shared, so neither single use nor forced to change (a forced change by the first
 * holder to sign in would lock the others out, the seed's warning). Every holder and the
 * login's address are told who received it and from which agent, never the password (R26);
 * the audit event keeps the holder (`onBehalfOf`, set by the runner) and the summary names
 * both (R75).
 */
async function resetShared(scope: ActionScope): Promise<ActionOutcome> {
  const { trx, ctx, account, organization, admin, request } = scope;
  const holder = await callingHolder(scope);
  const password = generateTemporaryPassword();
  const now = ctx.clock.now();
  const ended = await replacePassword(scope, {
    password,
    mustChange: false,
    expiresAt: null,
    how: 'shared_reset',
  });
  const products = (await productsOf(trx, account.id)).map((p) => p.name);
  const content = sharedLoginResetMail({
    username: account.username,
    at: now,
    products,
    holder: holder.name,
    agent: agentName(admin),
    reason: request.reason,
    contact: organization.policy.adminContact,
  });
  // Not a temporary password: the holders' notice is a password change's.
  const mailIds = await notifyAccount(scope, account, 'password_changed', content);
  const holders = mailIds.length - 1;
  return {
    summary: `Shared password of ${account.username} given to ${holder.name} by ${agentName(admin)}; ${sessionsEnded(ended)}; the login's address and ${holders} holder${holders === 1 ? '' : 's'} were told by email`,
    temporaryPassword: password,
    mailIds,
  };
}

/** Resets a locked-out shared login for the calling holder; every holder is told who got it. */
export const resetSharedLogin: ActionSpec = {
  permission: 'manage_shared',
  needsVerification: true,
  run: (scope) => {
    if (!scope.account.shared)
      throw new DomainError(
        'conflict',
        'This is not a shared login: set a temporary password instead.',
      );
    return resetShared(scope);
  },
};

/** Clears the security question: a new one is chosen at next sign-in; until then the emailed flow sends no link (R35). */
export const clearSecurityQuestion: ActionSpec = {
  permission: 'clear_question',
  needsVerification: true,
  async run(scope) {
    const { trx, ctx, account, organization } = scope;
    if (!account.security_answer_hash)
      throw new DomainError('conflict', 'This account has no security question.');
    await trx
      .updateTable('accounts')
      .set({ security_question: null, security_answer_hash: null })
      .where('id', '=', account.id)
      .execute();
    await revokeResetLinks(trx, ctx.clock, account.id, 'question_cleared');
    const mailIds = await notifyAccount(
      scope,
      account,
      'question_cleared',
      questionClearedMail(account.username, organization.policy.adminContact),
    );
    return {
      summary: `Security question of ${account.username} cleared; a new one is asked at the next sign-in`,
      mailIds,
    };
  },
};
