import type { Role } from '../../../common/api/auth.ts';

/** A role in words, as the dialogs and the Roles section say it. */
export const ROLE_NAMES: Record<Role, string> = {
  helpdesk: 'helpdesk',
  administrator: 'administrator',
  super_admin: 'super-administrator',
};
