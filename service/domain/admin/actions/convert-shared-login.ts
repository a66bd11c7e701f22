import { DomainError } from '../../domain-error.ts';
import { compose, productList, type MailContent } from '../../../mail/compose.ts';
import type { Account, Db, Holder } from '../../../store/schema.ts';
import { holdersOf, productsOf, type ProductInfo } from '../../accounts.ts';
import { createAccount } from '../../account-records.ts';
import { AccountInputError } from '../../account-input.ts';
import { queueMail } from '../../outbox.ts';
import { issueResetLink } from '../../reset-links.ts';
import type { UsernameChoice } from '../../../../common/api/shared-login-routes.ts';
import type { ActionScope, ActionSpec } from '../action-runner.ts';
import { disableEverywhere } from './access-actions.ts';
import { checkUsernames, resolveUsernames } from './conversion-usernames.ts';

/** Set-up links for converted holders live three days: they arrive unannounced. */
export const INVITE_TTL_MS = 72 * 3_600_000;

function invitationMail(
  username: string,
  shared: string,
  url: string,
  expiresAt: number,
  products: string[],
): MailContent {
  return compose({
    subject: `Your own account: ${username}`,
    greeting: 'Hello,',
    body: [
      `The shared login ${shared} is being replaced by personal accounts. Yours is ${username}, with the same access: ${productList(products)}.`,
      { href: url, label: 'Set up your password' },
      `The link works until ${new Date(expiresAt).toISOString().replace('T', ' ').slice(0, 16)} UTC, and only once. Then sign in as ${username}; you will be asked to choose a security question.`,
      `The shared login ${shared} no longer works.`,
    ],
  });
}

/** Refuses a conversion that cannot happen: not shared, already disabled, nobody to convert. */
export async function convertibleHolders(trx: Db, account: Account): Promise<Holder[]> {
  if (!account.shared) throw new DomainError('conflict', 'This is not a shared login.');
  // A converted shared login is disabled; converting it again would invite every holder twice.
  if (account.disabled_at !== null)
    throw new DomainError(
      'conflict',
      'This shared login is disabled (already converted?): enable it first to convert it.',
    );
  const holders = await holdersOf(trx, account.id);
  if (holders.length === 0)
    throw new DomainError(
      'conflict',
      'This shared login has no holders to convert: add them first.',
    );
  return holders;
}

/** The usernames to create, every one checked; the first problem refuses the whole conversion. */
async function usernamesFor(
  trx: Db,
  holders: Holder[],
  requested: UsernameChoice | undefined,
): Promise<Map<string, string>> {
  const { chosen, unknown } = await resolveUsernames(trx, holders, requested);
  if (unknown !== undefined)
    throw new DomainError(
      'validation_failed',
      `usernames.${unknown}: no such holder of this shared login.`,
      `usernames.${unknown}`,
    );
  const bad = (await checkUsernames(trx, holders, chosen)).find((i) => i.problem !== null);
  if (bad)
    throw new DomainError(
      'conflict',
      `usernames.${bad.holderId}: ${bad.problem ?? ''}`,
      `usernames.${bad.holderId}`,
    );
  return chosen;
}

/** One holder's personal account and its emailed set-up link; answers the account and mail. */
async function personalAccount(
  scope: ActionScope,
  holder: Holder,
  username: string,
  products: ProductInfo[],
) {
  const { trx, ctx, admin, account } = scope;
  const { id } = await createAccount(
    trx,
    ctx,
    {
      organizationId: account.organization_id,
      username,
      email: holder.email,
      name: holder.name,
      phone: holder.phone,
      products: products.map((p) => p.code),
    },
    admin.accountId,
  ).catch((error: unknown) => {
    // A holder who cannot become an account refuses the whole conversion (the transaction
    // rolls back every account made so far) with the reason, not a 500.
    if (!(error instanceof AccountInputError)) throw error;
    throw new DomainError(
      'conflict',
      `usernames.${holder.id}: ${holder.name} <${holder.email}> cannot get a personal account: ${error.problems.map((p) => p.message).join(' ')}`,
      `usernames.${holder.id}`,
    );
  });
  const person = await trx
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const link = await issueResetLink(trx, ctx.clock, person, 'invite', holder.email, INVITE_TTL_MS);
  const content = invitationMail(
    username,
    account.username,
    `${ctx.config.publicUrl}/reset/${link.token}`,
    link.expiresAt,
    products.map((p) => p.name),
  );
  const mailId = await queueMail(trx, ctx.clock, {
    kind: 'invitation',
    to: holder.email,
    accountId: id,
    content,
    expiresAt: link.expiresAt,
  });
  return { created: { id, username, email: holder.email }, mailId };
}

/** The shared login, once converted: disabled, signed out everywhere, its links dead. */
async function retire(scope: ActionScope): Promise<void> {
  await disableEverywhere(scope.trx, scope.ctx.clock, scope.account.id, 'converted');
}

/**
 * Converts a shared login into personal accounts: one per holder with the chosen username (the
 * suggestion where none is chosen), same organization and products, each invited by a
 * set-up-password link; the shared login is disabled (SPEC §2). All in the action's one
 * transaction: a clash on the last holder leaves no account behind.
 */
export function conversionAction(requested?: UsernameChoice): ActionSpec {
  return {
    permission: 'manage_shared',
    needsVerification: false,
    async run(scope) {
      const { trx, account } = scope;
      const holders = await convertibleHolders(trx, account);
      const usernames = await usernamesFor(trx, holders, requested);
      const products = await productsOf(trx, account.id);
      const created: Array<{ id: string; username: string; email: string }> = [];
      const mailIds: string[] = [];
      for (const holder of holders) {
        const made = await personalAccount(scope, holder, usernames.get(holder.id) ?? '', products);
        created.push(made.created);
        mailIds.push(made.mailId);
      }
      await retire(scope);
      return {
        summary: `${account.username} converted into ${created.length} personal accounts (${created.map((c) => c.username).join(', ')}); each was emailed a set-up link; the shared login is disabled`,
        mailIds,
        createdAccounts: created,
      };
    },
  };
}

/** The generic action (`POST …/actions/convert-shared-login`): every holder gets the suggestion. */
export const convertSharedLogin: ActionSpec = conversionAction();
