import { createHash } from 'node:crypto';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { ifMatchNames } from '../../../common/api/etags.ts';
import type { Organization, PolicyUpdate } from '../../../common/api/organizations.ts';
import { DomainError, notFound } from '../domain-error.ts';
import type { ServiceContext } from '../../context.ts';
import type { Db } from '../../store/schema.ts';
import { recordAudit } from '../audit.ts';
import { OrganizationPolicySchema, parsePolicy, type OrganizationPolicy } from '../policy.ts';
import { holds, rankIn, ROLE_RANK } from '../../../common/api/permission-rules.ts';
import { visibleOrganizations } from './permissions.ts';

type PolicyField = keyof OrganizationPolicy;

/** The ETag of a policy: a hash of its JSON with every field filled in. */
export function policyEtag(policy: OrganizationPolicy): string {
  const digest = createHash('sha256').update(JSON.stringify(policy)).digest('hex');
  return `"p-${digest.slice(0, 32)}"`;
}

interface OrganizationRow {
  id: string;
  name: string;
  policy: string;
}

const toOrganization = (row: OrganizationRow): Organization => {
  const policy = parsePolicy(row.policy);
  return { id: row.id, name: row.name, policy, etag: policyEtag(policy) };
};

/** The organizations the administrator sees (all, for a super-administrator), by name, with policy. */
export async function listOrganizations(db: Db, admin: AdminIdentity): Promise<Organization[]> {
  const visible = visibleOrganizations(admin);
  if (visible !== null && visible.length === 0) return [];
  const rows = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'policy'])
    .$if(visible !== null, (qb) => qb.where('id', 'in', visible ?? []))
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(toOrganization);
}

/** Validates a whole policy: a bad or unknown field is a 400 naming it (`policy.lockoutThreshold`). */
export function validatePolicy(input: Record<string, unknown>): OrganizationPolicy {
  const parsed = OrganizationPolicySchema.strict().safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const field = `policy.${issue.keys[0] ?? ''}`;
    throw new DomainError('validation_failed', `${field}: no such policy field.`, field);
  }
  const field = ['policy', ...(issue?.path ?? []).map(String)].join('.');
  throw new DomainError('validation_failed', `${field}: ${issue?.message ?? 'not valid'}`, field);
}

/** The fields whose values differ, with their values before and after. */
function changes(before: OrganizationPolicy, after: OrganizationPolicy) {
  const changed: Partial<Record<PolicyField, { before: unknown; after: unknown }>> = {};
  for (const field of Object.keys(OrganizationPolicySchema.shape) as PolicyField[]) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field]))
      changed[field] = { before: before[field], after: after[field] };
  }
  return changed;
}

/**
 * Fields that change what administrators themselves may do need more than `edit_policy`: what
 * the helpdesk role may do is role management (an administrator, never the helpdesk itself,
 * R67), and exempting administrators from TOTP weakens admin sign-in (R66: super-administrator).
 */
function assertMayChange(admin: AdminIdentity, organizationId: string, fields: PolicyField[]) {
  if (
    fields.includes('helpdeskPermissions') &&
    !(
      holds(admin, 'manage_roles', organizationId) &&
      rankIn(admin, organizationId) > ROLE_RANK.helpdesk
    )
  )
    throw new DomainError(
      'forbidden',
      'policy.helpdeskPermissions: only an administrator changes what the helpdesk role may do.',
      'policy.helpdeskPermissions',
    );
  if (fields.includes('adminTotpExempt') && !admin.superAdmin)
    throw new DomainError(
      'forbidden',
      'policy.adminTotpExempt: only a super-administrator exempts administrators from TOTP.',
      'policy.adminTotpExempt',
    );
}

async function current(db: Db, organizationId: string): Promise<OrganizationRow | undefined> {
  return db
    .selectFrom('organizations')
    .select(['id', 'name', 'policy'])
    .where('id', '=', organizationId)
    .executeTakeFirst();
}

async function stale(db: Db, organizationId: string): Promise<never> {
  const row = await current(db, organizationId);
  throw new DomainError(
    'precondition_failed',
    'The policy changed since you opened it. Review what changed, then try again.',
    undefined,
    { current: row ? toOrganization(row) : undefined },
  );
}

export interface PolicyEdit {
  organizationId: string;
  /** The If-Match header as sent. */
  ifMatch: string | undefined;
  update: PolicyUpdate;
  ip: string | null;
}

/**
 * Replaces an organization's policy (SPEC §4): `edit_policy` there, If-Match with the policy's
 * ETag (428 when missing, 412 with the current policy when stale, R88), the whole policy
 * validated, and the compare-and-set write and its audit event (the changed fields, before and
 * after) in one transaction (R79, R89). A policy sent back unchanged writes nothing.
 */
export async function editPolicy(
  ctx: ServiceContext,
  admin: AdminIdentity,
  edit: PolicyEdit,
): Promise<Organization> {
  const next = validatePolicy(edit.update.policy);
  const visible = visibleOrganizations(admin);
  const row = await current(ctx.db, edit.organizationId);
  if (!row || (visible !== null && !visible.includes(row.id))) throw notFound('organization');
  if (!holds(admin, 'edit_policy', row.id))
    throw new DomainError(
      'forbidden',
      'Your role does not allow editing this organization’s policy.',
    );
  if (!edit.ifMatch)
    throw new DomainError(
      'precondition_required',
      'Send If-Match with the ETag of the policy you edited.',
    );
  const before = toOrganization(row);
  if (!ifMatchNames(edit.ifMatch, before.etag)) return stale(ctx.db, row.id);
  const changed = changes(parsePolicy(row.policy), next);
  const fields = Object.keys(changed) as PolicyField[];
  assertMayChange(admin, row.id, fields);
  if (fields.length === 0) return before;

  const text = JSON.stringify(next);
  const written = await ctx.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('organizations')
      .set({ policy: text })
      .where('id', '=', row.id)
      .where('policy', '=', row.policy)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await recordAudit(trx, ctx.clock, {
      type: 'admin_action',
      organizationId: row.id,
      actor: admin.accountId,
      ip: edit.ip,
      detail: {
        action: 'edit-policy',
        reason: edit.update.reason,
        ticket: edit.update.ticket ?? null,
        changedFields: fields,
        changes: changed,
      },
    });
    return true;
  });
  if (!written) return stale(ctx.db, row.id);
  return { id: row.id, name: row.name, policy: next, etag: policyEtag(next) };
}
