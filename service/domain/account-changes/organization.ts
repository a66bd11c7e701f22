import type { FieldChange } from '../../../common/api/actions.ts';
import type { ServiceContext } from '../../context.ts';
import type { Db } from '../../store/schema.ts';
import { organizationMovedMail } from '../../mail/account-change-templates.ts';
import type { Account } from '../../store/schema.ts';
import { notificationAddresses, type OrganizationInfo } from '../accounts.ts';
import { queueMail } from '../outbox.ts';

/** The move of an account from one organization to another, as audited (by name). */
export const organizationChange = (from: OrganizationInfo, to: OrganizationInfo): FieldChange => ({
  field: 'organization',
  from: from.name,
  to: to.name,
});

/**
 * Moves the account (in the caller's transaction) and tells it (a shared login's holders too)
 * whose rules now apply. Answers the mail's ids.
 */
export async function applyOrganizationMove(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  from: OrganizationInfo,
  to: OrganizationInfo,
): Promise<string[]> {
  await trx
    .updateTable('accounts')
    .set({ organization_id: to.id })
    .where('id', '=', account.id)
    .execute();
  const content = organizationMovedMail(
    account.username,
    from.name,
    to.name,
    to.policy.adminContact,
  );
  const ids: string[] = [];
  for (const address of await notificationAddresses(trx, account))
    ids.push(
      await queueMail(trx, ctx.clock, {
        kind: 'account_changed',
        to: address,
        accountId: account.id,
        content,
      }),
    );
  return ids;
}
