import type {
  ConversionPlan,
  UsernameCheck,
  UsernameChoice,
} from '../../../../common/api/shared-login-routes.ts';
import type { AdminIdentity } from '../../../../common/api/auth.ts';
import { DomainError } from '../../domain-error.ts';
import type { Db } from '../../../store/schema.ts';
import { organizationOf, productsOf } from '../../accounts.ts';
import { accountInScope, assertMayAct } from '../action-runner.ts';
import { checkUsernames, resolveUsernames, suggestUsernames } from './conversion-usernames.ts';
import { convertibleHolders, INVITE_TTL_MS } from './convert-shared-login.ts';

/** The shared login an administrator may convert, and its holders; refusals as the action's. */
async function convertible(db: Db, admin: AdminIdentity, accountId: string) {
  const account = await accountInScope(db, admin, accountId);
  await assertMayAct(db, admin, account, 'manage_shared');
  return { account, holders: await convertibleHolders(db, account) };
}

/** What converting this shared login would do: holders, suggested usernames, what each gets. */
export async function conversionPlan(
  db: Db,
  admin: AdminIdentity,
  accountId: string,
): Promise<ConversionPlan> {
  const { account, holders } = await convertible(db, admin, accountId);
  const [suggested, products, organization] = await Promise.all([
    suggestUsernames(db, holders),
    productsOf(db, account.id),
    organizationOf(db, account),
  ]);
  return {
    accountId: account.id,
    username: account.username,
    version: account.version,
    organization: organization.name,
    // One order on every store (SQLite and PostgreSQL collate differently).
    products: products.map((p) => p.name).sort((a, b) => a.localeCompare(b, 'en')),
    inviteValidHours: INVITE_TTL_MS / 3_600_000,
    holders: holders.map((h) => ({
      holderId: h.id,
      name: h.name,
      email: h.email,
      phone: h.phone,
      isOwner: h.is_owner === 1,
      suggestedUsername: suggested.get(h.id) ?? '',
    })),
  };
}

/** Checks chosen usernames (the suggestion for a holder left out) without changing anything. */
export async function checkConversionUsernames(
  db: Db,
  admin: AdminIdentity,
  accountId: string,
  requested: UsernameChoice,
): Promise<UsernameCheck> {
  const { holders } = await convertible(db, admin, accountId);
  const { chosen, unknown } = await resolveUsernames(db, holders, requested);
  if (unknown !== undefined)
    throw new DomainError(
      'validation_failed',
      `usernames.${unknown}: no such holder of this shared login.`,
      `usernames.${unknown}`,
    );
  return { items: await checkUsernames(db, holders, chosen) };
}
