import { ApiProblem } from '../../../api/api-problem.ts';
import { questionClearedMail, temporaryPasswordMail } from '../../../mail/admin-templates.ts';
import { productsOf } from '../../accounts.ts';
import { revokeResetLinks } from '../../reset-links.ts';
import { endAccountSessions } from '../../sessions.ts';
import { generateTemporaryPassword, TEMPORARY_PASSWORD_TTL_MS } from '../../temporary-passwords.ts';
import { revokeAccountTokens } from '../api-tokens.ts';
import type { ActionOutcome, ActionScope, ActionSpec } from '../action-runner.ts';
import { notifyAccount } from './notify.ts';

/**
 * Sets a server-generated temporary password (no staff-chosen value exists, R59): single use,
 * 24 hours, must change at first sign-in; sessions and links end; the owner and every holder
 * are told, without the password (R26).
 */
async function setTemporaryPassword(scope: ActionScope): Promise<ActionOutcome> {
  const { trx, ctx, account, organization, admin } = scope;
  if (account.disabled_at !== null)
    throw new ApiProblem('conflict', 'This account is disabled: enable it first.');
  const password = generateTemporaryPassword();
  const now = ctx.clock.now();
  const expiresAt = now + TEMPORARY_PASSWORD_TTL_MS;
  await trx
    .updateTable('accounts')
    .set({
      password_hash: await ctx.hasher.hash(password),
      must_change_password: 1,
      temp_password_expires_at: expiresAt,
      failed_count: 0,
      locked_at: null,
      locked_until: null,
      password_changed_at: now,
      password_changed_how: 'temporary',
      password_changed_by: admin.accountId,
    })
    .where('id', '=', account.id)
    .execute();
  const ended = await endAccountSessions(trx, ctx.clock, account.id);
  await revokeAccountTokens(trx, ctx.clock, account.id);
  await revokeResetLinks(trx, ctx.clock, account.id, 'password_changed');
  const products = (await productsOf(trx, account.id)).map((p) => p.name);
  const content = temporaryPasswordMail(
    account.username,
    now,
    expiresAt,
    products,
    organization.policy.adminContact,
    account.shared === 1,
  );
  const mailIds = await notifyAccount(scope, account, 'temporary_password', content);
  const told = account.shared
    ? `the owner and ${mailIds.length - 1} holder${mailIds.length === 2 ? '' : 's'} were told`
    : 'the owner was told';
  return {
    summary: `Temporary password set for ${account.username}; ${ended} session${ended === 1 ? '' : 's'} ended; ${told} by email`,
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
      throw new ApiProblem(
        'conflict',
        'This is a shared login: use “reset shared login”, which tells every holder.',
      );
    return setTemporaryPassword(scope);
  },
};

/** Resets a locked-out shared login: a temporary password, every holder notified (SPEC §2). */
export const resetSharedLogin: ActionSpec = {
  permission: 'manage_shared',
  needsVerification: true,
  run: (scope) => {
    if (!scope.account.shared)
      throw new ApiProblem(
        'conflict',
        'This is not a shared login: set a temporary password instead.',
      );
    return setTemporaryPassword(scope);
  },
};

/** Clears the security question: a new one is chosen at next sign-in; until then the emailed flow sends no link (R35). */
export const clearSecurityQuestion: ActionSpec = {
  permission: 'clear_question',
  needsVerification: true,
  async run(scope) {
    const { trx, ctx, account, organization } = scope;
    if (!account.security_answer_hash)
      throw new ApiProblem('conflict', 'This account has no security question.');
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
