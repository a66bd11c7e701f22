import { z } from 'zod';
import { ActionResultSchema, HoldersRequestSchema } from '../api/actions.ts';
import { RoleSchema } from '../api/auth.ts';
import { OrganizationListSchema, OrganizationSchema } from '../api/organizations.ts';
import {
  ConversionPlanSchema,
  UsernameCheckSchema,
  UsernameChoiceSchema,
} from '../api/shared-login-routes.ts';
import { whyFields } from '../api/why.ts';
import { changeFields, connectionId, id } from './fields.ts';

const account = { connectionId, accountId: id };
const Ok = z.object({ ok: z.literal(true) });
const roleChange = z.object({
  ...account,
  /** The version of the account view the administrator saw (If-Match). */
  version: changeFields.version,
  role: RoleSchema,
  organizationId: id.nullable(),
  reason: whyFields.reason,
});

/**
 * IPC operations of the administrators' screens (issue 5): holders, roles, organization policy,
 * converting shared logins. Spread into `IPC` (contract.ts).
 */
export const ADMIN_IPC = {
  /** Replaces the holders of a shared login. */
  setHolders: {
    input: z.object({
      ...changeFields,
      verificationId: id.optional(),
      holders: HoldersRequestSchema.shape.holders,
    }),
    output: ActionResultSchema,
  },
  /** The conversion's plan: holders, suggested usernames, what each receives. */
  conversionPlan: { input: z.object(account), output: ConversionPlanSchema },
  /** Checks chosen usernames for clashes and shape; changes nothing. */
  checkUsernames: {
    input: z.object({ ...account, usernames: UsernameChoiceSchema }),
    output: UsernameCheckSchema,
  },
  /** Converts a shared login into personal accounts with the chosen usernames. */
  convertSharedLogin: {
    input: z.object({
      ...changeFields,
      verificationId: id.optional(),
      usernames: UsernameChoiceSchema,
    }),
    output: ActionResultSchema,
  },
  grantRole: { input: roleChange, output: Ok },
  revokeRole: { input: roleChange, output: Ok },
  /** The organizations the administrator sees, each with its policy and the policy's ETag. */
  listOrganizations: { input: z.object({ connectionId }), output: OrganizationListSchema },
  /** Replaces an organization's policy; `etag` is the one it was read with (If-Match). */
  editPolicy: {
    input: z.object({
      connectionId,
      organizationId: id,
      etag: z.string().min(1).max(200),
      policy: z.record(z.string(), z.unknown()),
      ...whyFields,
    }),
    output: OrganizationSchema,
  },
} as const;
