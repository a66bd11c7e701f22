import { createHash } from 'node:crypto';
import type { AccountChange } from '../../../common/api/account-admin.ts';
import type { ActionRequest, ActionResult, FieldChange } from '../../../common/api/actions.ts';
import type { AdminIdentity, Permission } from '../../../common/api/auth.ts';
import { DomainError, notFound } from '../domain-error.ts';
import type { ServiceContext } from '../../context.ts';
import type { Account, Db } from '../../store/schema.ts';
import { findAccountById, organizationOf, type OrganizationInfo } from '../accounts.ts';
import { recordAudit } from '../audit.ts';
import { bumpVersion, loadAccountView } from './account-view.ts';
import { spendVerification, verificationUsed } from './caller-verification.ts';
import { holds, NO_ACTION_MESSAGES, whyNoActions } from '../../../common/api/permission-rules.ts';
import { accountRank, visibleOrganizations } from './permissions.ts';

/** What an action's body sees: the locked-in account, who acts, why and how the caller was verified. */
export interface ActionScope {
  trx: Db;
  ctx: ServiceContext;
  admin: AdminIdentity;
  account: Account;
  organization: OrganizationInfo;
  request: ActionRequest;
  verification: { id: string; method: string } | null;
  ip: string | null;
}

/** What an action did; account administration adds each field it changed, before and after. */
export type ActionOutcome = Omit<ActionResult, 'action' | 'version'> & { changes?: FieldChange[] };

/** The actions of `/actions/:action` and the like, and the changes of account administration. */
export type RunnableAction = ActionResult['action'] | AccountChange;

/** What `runAction` answers: the action's outcome, its name and the account's new version. */
export type RunResult<A extends RunnableAction> = Omit<ActionResult, 'action'> & {
  action: A;
  changes?: FieldChange[];
};

/** One action: the permission it needs, whether the caller must be verified, what it does. */
export interface ActionSpec {
  permission: Permission;
  /** Unlocking or setting a password for a caller needs proof of who they are (R47). */
  needsVerification: boolean;
  run(scope: ActionScope): Promise<ActionOutcome>;
}

export interface ActionCall<A extends RunnableAction = RunnableAction> {
  accountId: string;
  action: A;
  spec: ActionSpec;
  request: ActionRequest;
  ifMatch: number | undefined;
  ifMatchPresent: boolean;
  idempotencyKey: string | undefined;
  ip: string | null;
  /**
   * What else the request said besides the action body (the holders of set-holders, the mail of
   * resend-mail): part of the Idempotency-Key's request hash, so the same key with other holders
   * is refused rather than answered with the first outcome (R84).
   */
  fingerprint?: unknown;
}

/** An account the administrator may see, or 404 (never 403: outsiders learn nothing, SPEC §3). */
export async function accountInScope(
  db: Db,
  admin: AdminIdentity,
  accountId: string,
): Promise<Account> {
  const account = await findAccountById(db, accountId);
  const visible = visibleOrganizations(admin);
  if (!account || (visible !== null && !visible.includes(account.organization_id)))
    throw notFound();
  return account;
}

/** Refuses unless the administrator holds the permission there and more power than the account. */
export async function assertMayAct(
  db: Db,
  admin: AdminIdentity,
  account: Account,
  permission: Permission,
): Promise<void> {
  if (!holds(admin, permission, account.organization_id)) {
    throw new DomainError(
      'forbidden',
      `Your role does not allow this (${permission.replace(/_/g, ' ')}).`,
    );
  }
  const why = whyNoActions(admin, {
    id: account.id,
    organizationId: account.organization_id,
    // One's own account is refused whatever its rank: no need to read it.
    rank: account.id === admin.accountId ? 0 : await accountRank(db, account.id),
  });
  if (why) throw new DomainError('forbidden', NO_ACTION_MESSAGES[why]);
}

/** The verification an action carries: this call's (account and agent), matched, live, unused. */
async function liveVerification(
  ctx: ServiceContext,
  admin: AdminIdentity,
  account: Account,
  id: string | undefined,
) {
  if (!id) return null;
  const row = await ctx.db
    .selectFrom('verifications')
    .select(['id', 'method', 'verified_at', 'expires_at', 'account_id', 'actor_id', 'used_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  const ours = row && row.account_id === account.id && row.actor_id === admin.accountId;
  if (ours && row.used_at !== null) throw verificationUsed();
  const ok = ours && row.verified_at !== null && row.expires_at > ctx.clock.now();
  if (!ok)
    throw new DomainError(
      'verification_required',
      'That caller verification has expired or belongs to another call. Verify the caller again.',
      'verificationId',
    );
  return { id: row.id, method: row.method };
}

const requestHash = (call: ActionCall) =>
  createHash('sha256')
    .update(
      JSON.stringify([
        call.accountId,
        call.action,
        call.request,
        ...(call.fingerprint === undefined ? [] : [call.fingerprint]),
      ]),
    )
    .digest('hex');

/** Thrown inside the action's transaction when another request took its Idempotency-Key first. */
class KeyTaken extends Error {}

async function replay<A extends RunnableAction>(
  ctx: ServiceContext,
  admin: AdminIdentity,
  call: ActionCall<A>,
): Promise<RunResult<A> | undefined> {
  if (!call.idempotencyKey) return undefined;
  const row = await ctx.db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('actor_id', '=', admin.accountId)
    .where('key', '=', call.idempotencyKey)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== requestHash(call))
    throw new DomainError('conflict', 'This Idempotency-Key was used for a different request.');
  return JSON.parse(row.response) as RunResult<A>;
}

/** Refuses a change made on an old version: 412 with the account as it is now (R88). */
export async function staleAccount(ctx: ServiceContext, account: Account): Promise<never> {
  const current = await findAccountById(ctx.db, account.id);
  const view = current ? await loadAccountView(ctx.db, ctx.clock, current) : undefined;
  throw new DomainError(
    'precondition_failed',
    'The account changed since you opened it. Review what changed, then try again.',
    undefined,
    { current: view },
  );
}

/**
 * Runs an action: scope, permission and power checks, If-Match (428/412), the caller's
 * verification, then one transaction holding the conditional version bump, the verification
 * used up, the change, its audit event and the idempotency record, so a retry never acts twice
 * and a verification serves one action (R84, R88, R89, SPEC §3).
 */
export async function runAction<A extends RunnableAction>(
  ctx: ServiceContext,
  admin: AdminIdentity,
  call: ActionCall<A>,
): Promise<RunResult<A>> {
  const replayed = await replay(ctx, admin, call);
  if (replayed) return replayed;
  const account = await accountInScope(ctx.db, admin, call.accountId);
  await assertMayAct(ctx.db, admin, account, call.spec.permission);
  if (!call.ifMatchPresent)
    throw new DomainError(
      'precondition_required',
      'Send If-Match with the ETag of the account view you acted on.',
    );
  // A double click whose twin committed between our replay check and our read is a replay (R92).
  if (call.ifMatch !== account.version)
    return (await replay(ctx, admin, call)) ?? staleAccount(ctx, account);
  if (call.spec.needsVerification && !call.request.verificationId) {
    throw new DomainError(
      'verification_required',
      'Verify the caller first: their security answer or an emailed code.',
      'verificationId',
    );
  }
  const verification = await liveVerification(ctx, admin, account, call.request.verificationId);
  const organization = await organizationOf(ctx.db, account);
  const result = await ctx.db
    .transaction()
    .execute(async (trx) => {
      if (!(await bumpVersion(trx, account))) return undefined;
      // After the version check: a stale action returns (and commits) before it uses anything.
      if (verification) await spendVerification(trx, ctx, verification.id, call.action);
      const outcome = await call.spec.run({
        trx,
        ctx,
        admin,
        account: { ...account, version: account.version + 1 },
        organization,
        request: call.request,
        verification,
        ip: call.ip,
      });
      const { version } = await trx
        .selectFrom('accounts')
        .select('version')
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      const done: RunResult<A> = { action: call.action, version, ...outcome };
      await recordAudit(trx, ctx.clock, {
        type: 'admin_action',
        accountId: account.id,
        organizationId: account.organization_id,
        actor: admin.accountId,
        ip: call.ip,
        detail: {
          action: call.action,
          reason: call.request.reason,
          ticket: call.request.ticket ?? null,
          verification: verification?.method ?? 'none',
          verificationId: verification?.id ?? null,
          summary: outcome.summary,
          // The moment the summary's "valid until … UTC" names, so the console can show it locally.
          ...(outcome.linkExpiresAt ? { linkExpiresAt: outcome.linkExpiresAt } : {}),
          ...(call.request.holderId ? { onBehalfOf: call.request.holderId } : {}),
          // Account administration: every field changed, as it was and as it is.
          ...(outcome.changes ? { changes: outcome.changes } : {}),
        },
      });
      if (call.idempotencyKey) {
        // A temporary password is shown once and never stored: a replay answers without it.
        const stored = { ...done, temporaryPassword: undefined };
        // The same key sent at once for another account: the first to commit keeps it, this
        // transaction rolls back whole and the caller gets 409, never a 500 (R90).
        const inserted = await trx
          .insertInto('idempotency_keys')
          .values({
            actor_id: admin.accountId,
            key: call.idempotencyKey,
            request_hash: requestHash(call),
            status: 200,
            response: JSON.stringify(stored),
            created_at: ctx.clock.now(),
          })
          .onConflict((oc) => oc.columns(['actor_id', 'key']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new KeyTaken();
      }
      return done;
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof KeyTaken)) throw error;
      const replayed = await replay(ctx, admin, call);
      if (replayed) return replayed;
      throw new DomainError('conflict', 'This Idempotency-Key was used for a different request.');
    });
  if (!result) return (await replay(ctx, admin, call)) ?? staleAccount(ctx, account);
  ctx.mailQueued();
  return result;
}
