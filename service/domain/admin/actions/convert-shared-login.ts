import { ApiProblem } from '../../../api/api-problem.ts';
import type { Db } from '../../../context.ts';
import { compose, productList, type MailContent } from '../../../mail/compose.ts';
import { holdersOf, productsOf, usernameKey } from '../../accounts.ts';
import { createAccount } from '../../account-records.ts';
import { AccountInputError } from '../../account-input.ts';
import { queueMail } from '../../outbox.ts';
import { issueResetLink, revokeResetLinks } from '../../reset-links.ts';
import { endAccountSessions } from '../../sessions.ts';
import { revokeAccountTokens } from '../api-tokens.ts';
import type { ActionSpec } from '../action-runner.ts';

/** Set-up links for converted holders live three days: they arrive unannounced. */
const INVITE_TTL_MS = 72 * 3_600_000;

/** A free username from the holder's address: `maria.lopez`, else `maria.lopez2`, … */
async function freeUsername(trx: Db, email: string): Promise<string> {
  const base =
    (email.split('@')[0] ?? 'user')
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '')
      .replace(/^[._-]+/, '')
      .slice(0, 40) || 'user';
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? base : `${base}${n}`;
    const taken = await trx
      .selectFrom('accounts')
      .select('id')
      .where('username_key', '=', usernameKey(candidate))
      .executeTakeFirst();
    if (!taken && candidate.length >= 2) return candidate;
  }
}

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

/**
 * Converts a shared login into personal accounts: one per holder, same organization and
 * products, each invited by a set-up-password link; the shared login is disabled (SPEC §2).
 */
export const convertSharedLogin: ActionSpec = {
  permission: 'manage_shared',
  needsVerification: false,
  async run({ trx, ctx, admin, account }) {
    if (!account.shared) throw new ApiProblem('conflict', 'This is not a shared login.');
    // A converted shared login is disabled; converting it again would invite every holder twice.
    if (account.disabled_at !== null)
      throw new ApiProblem(
        'conflict',
        'This shared login is disabled (already converted?): enable it first to convert it.',
      );
    const holders = await holdersOf(trx, account.id);
    if (holders.length === 0)
      throw new ApiProblem(
        'conflict',
        'This shared login has no holders to convert: add them first.',
      );
    const products = await productsOf(trx, account.id);
    const created: Array<{ id: string; username: string; email: string }> = [];
    const mailIds: string[] = [];
    for (const holder of holders) {
      const username = await freeUsername(trx, holder.email);
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
        throw new ApiProblem(
          'conflict',
          `${holder.name} <${holder.email}> cannot get a personal account: ${error.problems.map((p) => p.message).join(' ')}`,
        );
      });
      const person = await trx
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const { token, expiresAt } = await issueResetLink(
        trx,
        ctx.clock,
        person,
        'invite',
        holder.email,
        INVITE_TTL_MS,
      );
      const content = invitationMail(
        username,
        account.username,
        `${ctx.config.publicUrl}/reset/${token}`,
        expiresAt,
        products.map((p) => p.name),
      );
      mailIds.push(
        await queueMail(trx, ctx.clock, {
          kind: 'invitation',
          to: holder.email,
          accountId: id,
          content,
          expiresAt,
        }),
      );
      created.push({ id, username, email: holder.email });
    }
    await trx
      .updateTable('accounts')
      .set({ disabled_at: ctx.clock.now() })
      .where('id', '=', account.id)
      .execute();
    await endAccountSessions(trx, ctx.clock, account.id);
    await revokeAccountTokens(trx, ctx.clock, account.id);
    await revokeResetLinks(trx, ctx.clock, account.id, 'converted');
    return {
      summary: `${account.username} converted into ${created.length} personal accounts (${created.map((c) => c.username).join(', ')}); each was emailed a set-up link; the shared login is disabled`,
      mailIds,
      createdAccounts: created,
    };
  },
};
