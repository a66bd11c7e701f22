import type { AdminIdentity, Permission } from '../../../common/api/auth.ts';
import { useOrganizations } from '../../queries/organizations.ts';
import { organizationsWith } from '../actions/permissions.ts';

/**
 * The organizations where this administrator holds `permission`: their grants' own, and for a
 * super-administrator every organization the service lists.
 */
export function useAdminOrganizations(
  connectionId: string,
  admin: AdminIdentity,
  permission: Permission,
) {
  const listed = useOrganizations(connectionId);
  return {
    organizations: organizationsWith(admin, permission, listed.data?.items ?? []),
    loading: listed.isPending,
  };
}
