import type { AccountCreateSchema } from '../../../common/api/account-admin.ts';
import type { z } from 'zod';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { UsernameSchema } from '../../../common/api/account-fields.ts';
import type { ServiceContext } from '../../context.ts';
import { newAccountMail } from '../../mail/account-change-templates.ts';
import type { Account } from '../../store/schema.ts';
import { AccountInputError } from '../account-input.ts';
import { createAccount } from '../account-records.ts';
import { usernameClash } from '../account-changes/identity.ts';
import { organizationOf, productsOf } from '../accounts.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../domain-error.ts';
import { queueMail } from '../outbox.ts';
import { issueResetLink } from '../reset-links.ts';
import { INVITE_TTL_MS } from './actions/convert-shared-login.ts';
import { visibleOrganizations } from './permissions.ts';
import { holds } from '../../../common/api/permission-rules.ts';

type NewAccountRequest = z.output<typeof AccountCreateSchema>;

/** The service's field names are the contract's; a problem names the first field at fault. */
function refusal(error: AccountInputError): DomainError {
  const first = error.problems[0];
  const field = first?.field ?? 'body';
  const taken = first?.message.includes('is taken') === true;
  return new DomainError(
    taken ? 'conflict' : 'validation_failed',
    `${field}: ${first?.message ?? 'refused'}`,
    field,
  );
}

/** May this administrator create accounts in that organization? Refuses naming the field. */
function assertMayCreateIn(admin: AdminIdentity, organizationId: string): void {
  const visible = visibleOrganizations(admin);
  if (visible !== null && !visible.includes(organizationId))
    throw new DomainError(
      'validation_failed',
      'organizationId: choose one of the organizations you manage.',
      'organizationId',
    );
  if (!holds(admin, 'create_accounts', organizationId))
    throw new DomainError('forbidden', 'Your role does not allow this (create accounts).');
}

/**
 * Creates a personal account for an administrator (issue 16): no password is chosen by anyone
 * but its owner, who is emailed an invitation to Set Up Password (the conversion's set-up link,
 * valid three days). The account, its link, the mail and the audit event (every field, and why)
 * are one transaction. Answers the new account.
 */
export async function createAccountAsAdmin(
  ctx: ServiceContext,
  admin: AdminIdentity,
  request: NewAccountRequest,
  ip: string | null,
): Promise<Account> {
  assertMayCreateIn(admin, request.organizationId);
  const organization = await ctx.db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', request.organizationId)
    .executeTakeFirst();
  if (!organization)
    throw new DomainError(
      'validation_failed',
      'organizationId: choose one of the organizations you manage.',
      'organizationId',
    );
  const account = await ctx.db.transaction().execute(async (trx) => {
    const { id } = await createAccount(
      trx,
      ctx,
      {
        organizationId: request.organizationId,
        username: request.username,
        email: request.email,
        name: request.name,
        phone: request.phone,
        products: request.products,
      },
      admin.accountId,
    ).catch((error: unknown) => {
      if (error instanceof AccountInputError) throw refusal(error);
      throw error;
    });
    const created = await trx
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const org = await organizationOf(trx, created);
    const products = await productsOf(trx, id);
    const link = await issueResetLink(
      trx,
      ctx.clock,
      created,
      'invite',
      created.email,
      INVITE_TTL_MS,
    );
    await queueMail(trx, ctx.clock, {
      kind: 'invitation',
      to: created.email,
      accountId: id,
      content: newAccountMail(
        created.username,
        `${ctx.config.publicUrl}/reset/${link.token}`,
        link.expiresAt,
        products.map((p) => p.name),
        org.policy.adminContact,
      ),
      expiresAt: link.expiresAt,
    });
    const changes = [
      { field: 'username', from: null, to: created.username },
      { field: 'email', from: null, to: created.email },
      { field: 'name', from: null, to: created.name },
      { field: 'phone', from: null, to: created.phone },
      { field: 'organization', from: null, to: org.name },
      {
        field: 'products',
        from: null,
        to: products
          .map((p) => p.code)
          .sort()
          .join(', '),
      },
    ];
    await recordAudit(trx, ctx.clock, {
      type: 'admin_action',
      accountId: id,
      organizationId: created.organization_id,
      actor: admin.accountId,
      ip,
      detail: {
        action: 'create-account',
        reason: request.reason,
        ticket: request.ticket ?? null,
        summary: `${created.username} created in ${org.name}; invited to set up a password (link valid until ${new Date(link.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
        linkExpiresAt: link.expiresAt,
        changes,
      },
    });
    return created;
  });
  ctx.mailQueued();
  return account;
}

/** A username as typed: its shape, then whether another account holds it. Null: it can be used. */
export async function usernameProblem(
  ctx: ServiceContext,
  admin: AdminIdentity,
  username: string,
  accountId: string | undefined,
): Promise<string | null> {
  const may = admin.grants.some(
    (g) => g.permissions.includes('create_accounts') || g.permissions.includes('edit_identity'),
  );
  if (!may)
    throw new DomainError(
      'forbidden',
      'Your role does not allow this (create accounts or edit identity).',
    );
  const shape = UsernameSchema.safeParse(username);
  if (!shape.success) return shape.error.issues[0]?.message ?? 'Not a username.';
  return usernameClash(ctx.db, shape.data, accountId);
}
