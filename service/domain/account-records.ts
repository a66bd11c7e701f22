import type { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { ServiceContext } from '../context.ts';
import type { Db, Organization, Product } from '../store/schema.ts';
import { newId } from '../ids.ts';
import { isUniqueViolation } from '../store/errors.ts';
import { usernameKey } from './accounts.ts';
import { accountProblems, usernameTakenProblem, type ProductRef } from './account-checks.ts';
import {
  AccountInputError,
  parseAccountInput,
  type AccountInput,
  type FieldProblem,
} from './account-input.ts';
import {
  buildAccountRecords,
  hashSecrets,
  insertAccounts,
  type PreparedAccount,
} from './account-rows.ts';
import { OrganizationPolicySchema, parsePolicy } from './policy.ts';
import { lastPosition } from './products.ts';

/** A product an account may be given access to. */
export interface ProductSpec {
  code: string;
  name: string;
  url: string;
}

/** The reference deployment's three products (SPEC: one password for all of them). */
export const PRODUCTS: readonly ProductSpec[] = [
  { code: 'emresource', name: 'EMResource', url: 'https://emresource.example.org/' },
  { code: 'eics', name: 'eICS', url: 'https://eics.example.org/' },
  { code: 'emtrack', name: 'EMTrack', url: 'https://emtrack.example.org/' },
];

/**
 * Answers the product with this code, creating it last in the display order if needed; an
 * existing one is left as it is.
 */
export async function ensureProduct(db: Db, spec: ProductSpec): Promise<Product> {
  await db
    .insertInto('products')
    .values({
      id: newId(),
      code: spec.code,
      name: spec.name,
      url: spec.url,
      display_order: lastPosition(),
    })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  return db
    .selectFrom('products')
    .selectAll()
    .where('code', '=', spec.code)
    .executeTakeFirstOrThrow();
}

export type PolicyOverrides = z.input<typeof OrganizationPolicySchema>;

/**
 * Answers the organization with this name, creating it with the default policy plus
 * `policyOverrides` if there is none; an existing organization's policy is left as it is.
 */
export async function ensureOrganization(
  db: Db,
  clock: Clock,
  name: string,
  policyOverrides?: PolicyOverrides,
): Promise<Organization> {
  const find = () =>
    db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
  const existing = await find();
  if (existing) return existing;
  const policy = JSON.stringify(OrganizationPolicySchema.parse(policyOverrides ?? {}));
  await db
    .insertInto('organizations')
    .values({ id: newId(), name, policy, created_at: clock.now() })
    // Another process may create it between the look-up and the insert.
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const created = await find();
  if (!created) throw new Error(`Organization "${name}" could not be created.`);
  return created;
}

/** Every product, by lower-case code: product codes compare without regard to case. */
export async function loadProducts(db: Db): Promise<Map<string, ProductRef>> {
  const rows = await db.selectFrom('products').select(['id', 'code', 'name']).execute();
  return new Map(rows.map((p) => [p.code.toLowerCase(), p]));
}

export type PrepareResult =
  { ok: true; account: PreparedAccount } | { ok: false; problems: FieldProblem[] };

/**
 * Checks one account against its shape, the store and the policies, and hashes its plain
 * secrets; writes nothing, so it can run before a transaction opens (hashing is slow).
 */
export async function prepareAccount(
  db: Db,
  ctx: Pick<ServiceContext, 'clock' | 'hasher'>,
  input: AccountInput,
): Promise<PrepareResult> {
  const parsed = parseAccountInput(input);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  const organization = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'policy'])
    .where('id', '=', v.organizationId)
    .executeTakeFirst();
  if (!organization) {
    return { ok: false, problems: [{ field: 'organizationId', message: 'No such organization.' }] };
  }
  const products = await loadProducts(db);
  const taken = await db
    .selectFrom('accounts')
    .select('id')
    .where('username_key', '=', usernameKey(v.username))
    .executeTakeFirst();
  const problems = accountProblems(v, {
    organization: { name: organization.name, policy: parsePolicy(organization.policy) },
    products,
    usernameTaken: () => taken !== undefined,
  });
  if (problems.length > 0) return { ok: false, problems };
  const secrets = await hashSecrets(ctx.hasher, v);
  const now = ctx.clock.now();
  const account = buildAccountRecords(v, {
    organizationId: organization.id,
    products,
    secrets,
    now,
  });
  return { ok: true, account };
}

/** The account `createAccount` made. */
export interface CreatedAccount {
  id: string;
  username: string;
}

/**
 * Creates one account with its products and holders and an `account_created` audit event.
 * Throws `AccountInputError` listing every problem when the input is refused.
 */
export async function createAccount(
  trx: Db,
  ctx: ServiceContext,
  input: AccountInput,
  actor = 'system',
): Promise<CreatedAccount> {
  const prepared = await prepareAccount(trx, ctx, input);
  if (!prepared.ok) throw new AccountInputError(prepared.problems);
  const { row } = prepared.account;
  await insertAccounts(trx, ctx.clock, [prepared.account], {
    type: 'account_created',
    actor,
  }).catch((error: unknown) => {
    // Taken by a transaction that committed after the check (PostgreSQL reads committed).
    if (isUniqueViolation(error, 'accounts', 'username_key'))
      throw new AccountInputError([usernameTakenProblem(row.username)]);
    throw error;
  });
  return { id: row.id, username: row.username };
}
