import type { AdminIdentity, Role } from '../../../common/api/auth.ts';

const ROLE: Record<Role, string> = {
  helpdesk: 'Helpdesk',
  administrator: 'Administrator',
  super_admin: 'Super-administrator',
};

/** The signed-in person's highest role, in words. */
export function roleWords(admin: AdminIdentity): string {
  if (admin.superAdmin) return ROLE.super_admin;
  if (admin.grants.some((g) => g.role === 'administrator')) return ROLE.administrator;
  return admin.grants.length > 0 ? ROLE.helpdesk : 'no role';
}
