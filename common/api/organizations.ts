import { z } from 'zod';
import { whyFields } from './why.ts';

/**
 * An organization as the console shows it: its policy (SPEC §4, every field filled in) and the
 * ETag of that policy, which a policy edit sends back in If-Match.
 */
export const OrganizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The organization's policy; the service validates it with `OrganizationPolicySchema`. */
  policy: z.record(z.string(), z.unknown()),
  /** The ETag of the policy (a hash of its JSON), e.g. `"p-3f9a…"`. */
  etag: z.string(),
});
export type Organization = z.infer<typeof OrganizationSchema>;

/** GET /api/v1/organizations: the ones the signed-in administrator sees, by name. */
export const OrganizationListSchema = z.object({ items: z.array(OrganizationSchema) });

/**
 * PUT /api/v1/organizations/:id/policy: the whole policy (a field left out takes its documented
 * default; an unknown field is refused), why, and the ticket.
 */
export const PolicyUpdateSchema = z.object({
  policy: z.record(z.string(), z.unknown()),
  ...whyFields,
});
export type PolicyUpdate = z.infer<typeof PolicyUpdateSchema>;
