import type { ServiceContext } from '../context.ts';
import type { Account, Db } from '../store/schema.ts';
import { passwordChangedMail } from '../mail/templates.ts';
import { notificationAddresses, organizationOf, productsOf } from './accounts.ts';
import { recordAudit } from './audit.ts';
import { queueMail } from './outbox.ts';
import { revokeResetLinks } from './reset-links.ts';
import { endAccountSessions } from './sessions.ts';

export type PasswordChangeHow = 'reset' | 'change' | 'invite';

const HOW_WORDS: Record<PasswordChangeHow, string> = {
  reset: 'forgotten-password flow',
  change: 'password change page',
  invite: 'set-up-password link',
};

interface Change {
  newHash: string;
  how: PasswordChangeHow;
  /** Who made the change: `self` or an administrator's account id. */
  by: string;
  ip: string | null;
  /** The session that made the change stays signed in; every other one ends. */
  keepSessionId?: string;
}

/**
 * Sets an account's one password for all its products: every other session ends, every
 * outstanding reset link dies, a lockout clears, and the account (and every holder of a
 * shared login) is told (SPEC §1, R15, R24). Call inside a transaction.
 */
export async function applyNewPassword(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  change: Change,
): Promise<void> {
  const now = ctx.clock.now();
  await trx
    .updateTable('accounts')
    .set((eb) => ({
      password_hash: change.newHash,
      must_change_password: 0,
      temp_password_expires_at: null,
      failed_count: 0,
      locked_at: null,
      locked_until: null,
      password_changed_at: now,
      password_changed_how: change.how,
      password_changed_by: change.by,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', account.id)
    .execute();
  const endedSessions = await endAccountSessions(trx, ctx.clock, account.id, change.keepSessionId);
  const revokedLinks = await revokeResetLinks(trx, ctx.clock, account.id, 'password_changed');
  const org = await organizationOf(trx, account);
  await recordAudit(trx, ctx.clock, {
    type: 'password_changed',
    accountId: account.id,
    organizationId: org.id,
    actor: change.by,
    ip: change.ip,
    detail: { how: change.how, endedSessions, revokedLinks },
  });
  const products = (await productsOf(trx, account.id)).map((p) => p.name);
  const content = passwordChangedMail({
    username: account.username,
    at: now,
    how: HOW_WORDS[change.how],
    products,
    contact: org.policy.adminContact,
    shared: account.shared === 1,
  });
  for (const to of await notificationAddresses(trx, account)) {
    await queueMail(trx, ctx.clock, {
      kind: 'password_changed',
      to,
      accountId: account.id,
      content,
    });
  }
}
