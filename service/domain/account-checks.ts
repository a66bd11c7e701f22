import { usernameKey } from './accounts.ts';
import { secretKind, type AccountFields, type FieldProblem } from './account-input.ts';
import { passwordProblem } from './password-policy.ts';
import { HOW_TO_ADD_PRODUCTS } from './product-checks.ts';
import type { OrganizationPolicy } from './policy.ts';
import { answerProblem } from './security-questions.ts';

/** A product as the account checks and records need it. */
export interface ProductRef {
  id: string;
  code: string;
  name: string;
}

/**
 * What checking one account needs to know about the store. A single account reads it with
 * a few queries; the CSV import loads it once for the whole file, so checks stay in memory.
 */
export interface AccountCheckContext {
  organization: { name: string; policy: OrganizationPolicy };
  /** Known products by lower-case code. */
  products: ReadonlyMap<string, ProductRef>;
  usernameTaken(key: string): boolean;
}

const FOREIGN_HASH_MESSAGE =
  'This looks like a hash of another kind; only argon2 PHC strings ($argon2id$…) can be imported. Leave it empty to have the person set a new one.';

/** Every reason the store refuses this account; the fields' shapes are already valid. */
export function accountProblems(v: AccountFields, context: AccountCheckContext): FieldProblem[] {
  return [
    ...usernameProblems(v, context),
    ...productProblems(v.products, context.products),
    ...sharedProblems(v, context.organization),
    ...secretProblems(v, context),
  ];
}

/** The problem of a username another account holds. */
export function usernameTakenProblem(username: string): FieldProblem {
  return {
    field: 'username',
    message: `The username "${username}" is taken (usernames are compared without regard to case).`,
  };
}

function usernameProblems(v: AccountFields, context: AccountCheckContext): FieldProblem[] {
  return context.usernameTaken(usernameKey(v.username)) ? [usernameTakenProblem(v.username)] : [];
}

function productProblems(codes: string[], known: ReadonlyMap<string, ProductRef>): FieldProblem[] {
  const unknown = codes.filter((code) => !known.has(code.toLowerCase()));
  if (unknown.length === 0) return [];
  const names = unknown.map((code) => `"${code}"`).join(', ');
  const message =
    known.size === 0
      ? `Unknown product ${names}: there are no products yet. ${HOW_TO_ADD_PRODUCTS}`
      : `Unknown product ${names}; known products are ${[...known.keys()].join(', ')}.`;
  return [{ field: 'products', message }];
}

function sharedProblems(
  v: AccountFields,
  organization: AccountCheckContext['organization'],
): FieldProblem[] {
  if (!v.shared || organization.policy.allowSharedLogins) return [];
  return [{ field: 'shared', message: `${organization.name} does not allow shared logins.` }];
}

/** Plain secrets must meet the policy; stored hashes are taken as they are (SPEC §5). */
function secretProblems(v: AccountFields, context: AccountCheckContext): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const password = secretKind(v.password);
  if (password === 'foreign-hash')
    problems.push({ field: 'password', message: FOREIGN_HASH_MESSAGE });
  if (password === 'plain' && v.password !== undefined) {
    // One password serves every product, so every product's name and code is a context word (R53).
    const products = v.products.flatMap((code) => {
      const product = context.products.get(code.toLowerCase());
      return product ? [product.name, product.code] : [code];
    });
    const wordContext = {
      username: v.username,
      email: v.email,
      organization: context.organization.name,
      products,
    };
    const problem = passwordProblem(v.password, wordContext);
    if (problem) problems.push({ field: 'password', message: problem });
  }
  const answer = secretKind(v.securityAnswer);
  if (answer === 'foreign-hash') {
    problems.push({ field: 'securityAnswer', message: FOREIGN_HASH_MESSAGE });
  }
  if (answer === 'plain' && v.securityAnswer !== undefined) {
    const problem = answerProblem(v.securityAnswer, v);
    if (problem) problems.push({ field: 'securityAnswer', message: problem });
  }
  return problems;
}
