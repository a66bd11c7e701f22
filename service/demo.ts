import type { ServiceContext } from './context.ts';
import type { Db } from './store/schema.ts';
import { usernameKey } from './domain/accounts.ts';
import { AccountInputError } from './domain/account-input.ts';
import {
  ensureOrganization,
  ensureProduct,
  prepareAccount,
  PRODUCTS,
} from './domain/account-records.ts';
import { insertAccounts, type PreparedAccount } from './domain/account-rows.ts';
import { recordAuditBatch, type AuditEntry } from './domain/audit.ts';
import { parsePolicy } from './domain/policy.ts';
import { DEMO_ACCOUNTS, DEMO_ORGANIZATIONS, type DemoSpec } from './demo-accounts.ts';
import { newId } from './ids.ts';

/** A demo account as the README lists it: how to sign in and which case it shows. */
export interface DemoAccount {
  username: string;
  email: string;
  password: string;
  answer: string | null;
  organization: string;
  description: string;
}

/**
 * Seeds the demo organizations and accounts (one per case of SPEC §1 and §2). Idempotent:
 * accounts that exist are left alone, so a second run changes nothing.
 */
export async function seedDemo(ctx: ServiceContext): Promise<DemoAccount[]> {
  for (const product of PRODUCTS) await ensureProduct(ctx.db, product);
  const orgIds = new Map<string, string>();
  for (const [name, policy] of Object.entries(DEMO_ORGANIZATIONS)) {
    orgIds.set(name, (await ensureOrganization(ctx.db, ctx.clock, name, policy)).id);
  }
  const missing = await missingSpecs(ctx.db);
  // Hashing is slow: prepare (check and hash) before the transaction.
  const prepared = await Promise.all(missing.map((spec) => prepareDemo(ctx, spec, orgIds)));
  if (prepared.length > 0) {
    await ctx.db.transaction().execute(async (trx) => {
      await insertAccounts(
        trx,
        ctx.clock,
        prepared.map((p) => p.account),
        { type: 'account_created', actor: 'system' },
      );
      for (const p of prepared) await applyState(trx, ctx, p.spec, p.account);
    });
  }
  return DEMO_ACCOUNTS.map((spec) => ({
    username: spec.input.username,
    email: spec.input.email,
    password: spec.input.password,
    answer: spec.input.securityAnswer ?? null,
    organization: spec.organization,
    description: spec.description,
  }));
}

async function missingSpecs(db: Db): Promise<DemoSpec[]> {
  const keys = DEMO_ACCOUNTS.map((spec) => usernameKey(spec.input.username));
  const rows = await db
    .selectFrom('accounts')
    .select('username_key')
    .where('username_key', 'in', keys)
    .execute();
  const present = new Set(rows.map((r) => r.username_key));
  return DEMO_ACCOUNTS.filter((spec) => !present.has(usernameKey(spec.input.username)));
}

async function prepareDemo(
  ctx: ServiceContext,
  spec: DemoSpec,
  orgIds: Map<string, string>,
): Promise<{ spec: DemoSpec; account: PreparedAccount }> {
  const organizationId = orgIds.get(spec.organization) ?? '';
  const result = await prepareAccount(ctx.db, ctx, { ...spec.input, organizationId });
  if (!result.ok) throw new AccountInputError(result.problems);
  const account = result.account;
  account.detail = { ...account.detail, source: 'demo', case: spec.description };
  if (spec.state === 'disabled') account.row.disabled_at = ctx.clock.now();
  return { spec, account };
}

/** A documentation address (RFC 5737): the demo's failed sign-ins come from no real machine. */
const DEMO_IP = '192.0.2.10';

/**
 * Locks the account the way failed sign-ins do (service/domain/lockout.ts), with the same audit
 * events, so the console says "Too many failed sign-ins" as the README does; but until an
 * administrator unlocks it (locked_until null), as a policy may choose, and without the email.
 */
async function lockAfterFailedSignIns(trx: Db, ctx: ServiceContext, account: PreparedAccount) {
  const { id, organization_id } = account.row;
  const org = await trx
    .selectFrom('organizations')
    .select('policy')
    .where('id', '=', organization_id)
    .executeTakeFirstOrThrow();
  const threshold = parsePolicy(org.policy).lockoutThreshold;
  await trx
    .updateTable('accounts')
    .set({ failed_count: threshold, locked_at: ctx.clock.now(), locked_until: null })
    .where('id', '=', id)
    .execute();
  const where = { accountId: id, organizationId: organization_id, ip: DEMO_IP };
  const failures: AuditEntry[] = Array.from({ length: threshold }, (_, i) => ({
    ...where,
    type: 'sign_in_failed',
    detail: { reason: 'wrong_password', failedCount: i + 1, via: 'pages' },
  }));
  await recordAuditBatch(trx, ctx.clock, [
    ...failures,
    {
      ...where,
      type: 'lockout',
      actor: 'system',
      detail: { failedCount: threshold, until: null, trigger: 'wrong_password' },
    },
  ]);
}

/** Locks and grants what the demo case needs, with the audit events the console shows. */
async function applyState(
  trx: Db,
  ctx: ServiceContext,
  spec: DemoSpec,
  account: PreparedAccount,
): Promise<void> {
  const { id } = account.row;
  if (spec.state === 'locked') await lockAfterFailedSignIns(trx, ctx, account);
  if (spec.superAdmin) {
    await trx
      .insertInto('role_grants')
      .values({
        id: newId(),
        account_id: id,
        role: 'super_admin',
        organization_id: null,
        created_at: ctx.clock.now(),
      })
      .execute();
  }
}
