import type { FieldChange } from '../../../common/api/actions.ts';
import type { ServiceContext } from '../../context.ts';
import type { Db } from '../../store/schema.ts';
import {
  emailChangedFromMail,
  emailChangedToMail,
  usernameChangedMail,
} from '../../mail/account-change-templates.ts';
import type { Account } from '../../store/schema.ts';
import { isUniqueViolation } from '../../store/errors.ts';
import { emailKey, holdersOf, usernameKey, type OrganizationInfo } from '../accounts.ts';
import { DomainError } from '../domain-error.ts';
import { queueMail } from '../outbox.ts';
import { revokeResetLinks } from '../reset-links.ts';

/** The identity fields an administrator (or an import) may set; one left out stays as it is. */
export interface IdentityFields {
  username?: string;
  email?: string;
  name?: string;
  phone?: string;
}

const COLUMNS = ['username', 'email', 'name', 'phone'] as const;

/** The fields that differ from the account's, in a fixed order; a username's case counts. */
export function identityChanges(account: Account, next: IdentityFields): FieldChange[] {
  return COLUMNS.flatMap((field) => {
    const to = next[field];
    return to === undefined || to === account[field] ? [] : [{ field, from: account[field], to }];
  });
}

/** The username clash, named for the field: another account has it, without regard to case. */
export async function usernameClash(
  db: Db,
  username: string,
  exceptAccountId?: string,
): Promise<string | null> {
  let query = db
    .selectFrom('accounts')
    .select('username')
    .where('username_key', '=', usernameKey(username));
  if (exceptAccountId) query = query.where('id', '!=', exceptAccountId);
  const other = await query.executeTakeFirst();
  return other
    ? `The username "${username}" is taken by another account (usernames are compared without regard to case).`
    : null;
}

/** Where mail about a change goes besides the account's own address: a shared login's holders. */
async function holderAddresses(db: Db, account: Account): Promise<string[]> {
  return account.shared ? (await holdersOf(db, account.id)).map((h) => h.email) : [];
}

const unique = (addresses: string[]) => [
  ...new Map(addresses.map((a) => [emailKey(a), a])).values(),
];

/**
 * Writes identity changes in the caller's transaction. A new email address kills every
 * outstanding link (reset and set-up links, emailed verification codes) and is told to the old
 * address (which can report it was not them) and the new one; a new username is told to the
 * account's address; a shared login's holders hear of both. Answers the changes and the mail.
 */
export async function applyIdentityChanges(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  organization: OrganizationInfo,
  changes: readonly FieldChange[],
): Promise<string[]> {
  if (changes.length === 0) return [];
  const to = (field: string) => changes.find((c) => c.field === field)?.to ?? undefined;
  const username = to('username');
  const email = to('email');
  if (username !== undefined) {
    const clash = await usernameClash(trx, username, account.id);
    if (clash) throw new DomainError('conflict', `username: ${clash}`, 'username');
  }
  const now = ctx.clock.now();
  await trx
    .updateTable('accounts')
    .set({
      ...(username !== undefined ? { username, username_key: usernameKey(username) } : {}),
      ...(email !== undefined ? { email, email_key: emailKey(email) } : {}),
      ...(to('name') !== undefined ? { name: to('name') } : {}),
      ...(to('phone') !== undefined ? { phone: to('phone') } : {}),
    })
    .where('id', '=', account.id)
    .execute()
    .catch((error: unknown) => {
      // Taken by a transaction that committed after the check (PostgreSQL reads committed).
      if (isUniqueViolation(error, 'accounts', 'username_key'))
        throw new DomainError(
          'conflict',
          `username: The username "${username}" is taken.`,
          'username',
        );
      throw error;
    });
  const contact = organization.policy.adminContact;
  const holders = await holderAddresses(trx, account);
  const mail = async (addresses: string[], content: Parameters<typeof queueMail>[2]['content']) => {
    const ids: string[] = [];
    for (const address of unique(addresses))
      ids.push(
        await queueMail(trx, ctx.clock, {
          kind: 'account_changed',
          to: address,
          accountId: account.id,
          content,
        }),
      );
    return ids;
  };
  const mailIds: string[] = [];
  const name = username ?? account.username;
  if (email !== undefined) {
    await revokeResetLinks(trx, ctx.clock, account.id, 'email_changed');
    // An emailed code went to the old address: it no longer proves anything.
    await trx
      .updateTable('verifications')
      .set({ expires_at: now })
      .where('account_id', '=', account.id)
      .where('method', '=', 'email_code')
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    mailIds.push(
      ...(await mail([account.email], emailChangedFromMail(name, now, email, contact))),
      ...(await mail([email, ...holders], emailChangedToMail(name, now, contact))),
    );
  }
  if (username !== undefined)
    mailIds.push(
      ...(await mail(
        [email ?? account.email, ...holders],
        usernameChangedMail(account.username, username, now, contact),
      )),
    );
  return mailIds;
}
