import type { FieldChange } from '../../../common/api/actions.ts';
import type { ServiceContext } from '../../context.ts';
import type { Db } from '../../store/schema.ts';
import { productAccessMail } from '../../mail/account-change-templates.ts';
import type { Account } from '../../store/schema.ts';
import type { ProductRef } from '../account-checks.ts';
import { notificationAddresses, productsOf, type OrganizationInfo } from '../accounts.ts';
import { DomainError } from '../domain-error.ts';
import { queueMail } from '../outbox.ts';

/** A product list as the audit log and the preview show it: codes, sorted, comma-separated. */
export const productText = (codes: readonly string[]): string =>
  [...codes]
    .map((c) => c.toLowerCase())
    .sort()
    .join(', ');

/** Refuses codes the store does not know, naming them (the field is `products`). */
export function unknownProducts(
  codes: readonly string[],
  known: ReadonlyMap<string, ProductRef>,
): DomainError | null {
  const unknown = codes.filter((code) => !known.has(code.toLowerCase()));
  if (unknown.length === 0) return null;
  return new DomainError(
    'validation_failed',
    `products: unknown product ${unknown.map((c) => `"${c}"`).join(', ')}; known products are ${[...known.keys()].join(', ')}.`,
    'products',
  );
}

/** The change of an account's products to `codes`, or none when they are the same. */
export async function productChange(
  db: Db,
  account: Account,
  codes: readonly string[],
): Promise<FieldChange[]> {
  const before = productText((await productsOf(db, account.id)).map((p) => p.code));
  const after = productText(codes);
  return before === after ? [] : [{ field: 'products', from: before, to: after }];
}

/**
 * Replaces the account's products (in the caller's transaction) and tells the account (a
 * shared login's holders too) what it gained and lost. Answers the mail's ids.
 */
export async function applyProductChange(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  organization: OrganizationInfo,
  change: FieldChange,
  known: ReadonlyMap<string, ProductRef>,
): Promise<string[]> {
  const split = (text: string | null) => (text ? text.split(', ') : []);
  const before = split(change.from);
  const after = split(change.to);
  await trx.deleteFrom('account_products').where('account_id', '=', account.id).execute();
  const rows = after.flatMap((code) => {
    const product = known.get(code);
    return product ? [{ account_id: account.id, product_id: product.id }] : [];
  });
  if (rows.length > 0) await trx.insertInto('account_products').values(rows).execute();
  const name = (code: string) => known.get(code)?.name ?? code;
  const added = after.filter((c) => !before.includes(c)).map(name);
  const removed = before.filter((c) => !after.includes(c)).map(name);
  const content = productAccessMail(
    account.username,
    added,
    removed,
    organization.policy.adminContact,
  );
  const ids: string[] = [];
  for (const to of await notificationAddresses(trx, account))
    ids.push(
      await queueMail(trx, ctx.clock, {
        kind: 'account_changed',
        to,
        accountId: account.id,
        content,
      }),
    );
  return ids;
}
