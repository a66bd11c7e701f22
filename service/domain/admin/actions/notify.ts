import type { ServiceContext } from '../../../context.ts';
import type { MailContent } from '../../../mail/templates.ts';
import type { Account, Db } from '../../../store/schema.ts';
import { notificationAddresses } from '../../accounts.ts';
import { queueMail, type MailKind } from '../../outbox.ts';

/** Masks an address for the console's confirmation: `a…@example.org`. */
export const maskEmail = (email: string): string => {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}…@${domain}`;
};

/** Queues one message to the account's address (and each holder of a shared login); answers the ids. */
export async function notifyAccount(
  scope: { trx: Db; ctx: ServiceContext },
  account: Account,
  kind: MailKind,
  content: MailContent,
): Promise<string[]> {
  const ids: string[] = [];
  for (const to of await notificationAddresses(scope.trx, account)) {
    ids.push(
      await queueMail(scope.trx, scope.ctx.clock, { kind, to, accountId: account.id, content }),
    );
  }
  return ids;
}
