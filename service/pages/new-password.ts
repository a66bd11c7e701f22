import type { ServiceContext } from '../context.ts';
import { productsOf } from '../domain/accounts.ts';
import { passwordProblem } from '../domain/password-policy.ts';
import type { Account } from '../store/schema.ts';
import { namesInWords } from '../../common/api/text.ts';
import type { FieldErrors } from './layout.ts';

/**
 * "This changes your password for EMResource, eICS and EMTrack", as the seed warns: the
 * account's products, in display order (issue 14).
 */
export function productSentence(products: string[]): string {
  if (products.length === 0) return 'This sets the password of your account.';
  return `This changes your password for ${namesInWords(products)}.`;
}

/**
 * The reasons a chosen password is refused, next to the field they concern: policy (SPEC §4),
 * mismatch, or the current password reused. Null when it is acceptable.
 */
export async function newPasswordProblems(
  ctx: ServiceContext,
  account: Account,
  organization: string,
  password: string,
  verify: string,
): Promise<FieldErrors | null> {
  const products = (await productsOf(ctx.db, account.id)).flatMap((p) => [p.name, p.code]);
  const problem = passwordProblem(password, {
    username: account.username,
    email: account.email,
    organization,
    products,
  });
  if (problem) return { new_password: problem };
  if (password !== verify)
    return {
      verify_password: 'The two passwords do not match. Enter the same new password twice.',
    };
  if (account.password_hash && (await ctx.hasher.verify(account.password_hash, password))) {
    return { new_password: 'This is your current password. Choose a new one.' };
  }
  return null;
}
