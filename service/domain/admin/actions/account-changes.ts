import type { FieldChange } from '../../../../common/api/actions.ts';
import type { Db } from '../../../store/schema.ts';
import { loadProducts } from '../../account-records.ts';
import { organizationOf } from '../../accounts.ts';
import {
  applyIdentityChanges,
  identityChanges,
  type IdentityFields,
} from '../../account-changes/identity.ts';
import { applyOrganizationMove, organizationChange } from '../../account-changes/organization.ts';
import {
  applyProductChange,
  productChange,
  unknownProducts,
} from '../../account-changes/products.ts';
import { DomainError } from '../../domain-error.ts';
import type { ActionSpec } from '../action-runner.ts';
import { accountRank, visibleOrganizations } from '../permissions.ts';
import { holds, rankIn } from '../../../../common/api/permission-rules.ts';

/**
 * Thrown inside an account change's transaction when nothing differs: the transaction rolls
 * back (the version stays) and the route answers that nothing changed.
 */
export class NothingChanged extends Error {}

const described = (changes: readonly FieldChange[]) =>
  changes.map((c) => `${c.field} ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`).join('; ');

/** PATCH /accounts/:id: username, email, name, phone (edit_identity). */
export function editIdentityAction(next: IdentityFields): ActionSpec {
  return {
    permission: 'edit_identity',
    needsVerification: false,
    async run({ trx, ctx, account, organization }) {
      const changes = identityChanges(account, next);
      if (changes.length === 0) throw new NothingChanged();
      const mailIds = await applyIdentityChanges(trx, ctx, account, organization, changes);
      return { summary: `${account.username}: ${described(changes)}`, mailIds, changes };
    },
  };
}

/** PUT /accounts/:id/products: the products it has afterwards (manage_product_access). */
export function productAccessAction(codes: readonly string[]): ActionSpec {
  return {
    permission: 'manage_product_access',
    needsVerification: false,
    async run({ trx, ctx, account, organization }) {
      const known = await loadProducts(trx);
      const unknown = unknownProducts(codes, known);
      if (unknown) throw unknown;
      const changes = await productChange(trx, account, codes);
      const change = changes[0];
      if (!change) throw new NothingChanged();
      const mailIds = await applyProductChange(trx, ctx, account, organization, change, known);
      return { summary: `${account.username}: ${described(changes)}`, mailIds, changes };
    },
  };
}

async function organizationById(db: Db, id: string) {
  const row = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? organizationOf(db, { organization_id: row.id }) : undefined;
}

/**
 * PUT /accounts/:id/organization: edit_identity where it is (checked by the runner, with the
 * power rule), create_accounts where it goes and the power rule there too, since the account
 * becomes one of that organization's.
 */
export function moveAction(organizationId: string): ActionSpec {
  return {
    permission: 'edit_identity',
    needsVerification: false,
    async run({ trx, ctx, admin, account, organization }) {
      const visible = visibleOrganizations(admin);
      const target =
        visible === null || visible.includes(organizationId)
          ? await organizationById(trx, organizationId)
          : undefined;
      if (!target)
        throw new DomainError(
          'validation_failed',
          'organizationId: choose one of the organizations you manage.',
          'organizationId',
        );
      if (target.id === account.organization_id) throw new NothingChanged();
      if (!holds(admin, 'create_accounts', target.id))
        throw new DomainError(
          'forbidden',
          `Your role in ${target.name} does not allow this (create accounts).`,
          'organizationId',
        );
      if ((await accountRank(trx, account.id)) >= rankIn(admin, target.id))
        throw new DomainError(
          'forbidden',
          `This account holds as much power as yours in ${target.name} or more: ask someone with a higher role.`,
          'organizationId',
        );
      const change = organizationChange(organization, target);
      const mailIds = await applyOrganizationMove(trx, ctx, account, organization, target);
      return { summary: `${account.username}: ${described([change])}`, mailIds, changes: [change] };
    },
  };
}
