import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity, Role } from '../../../common/api/auth.ts';
import { useDialogStore } from '../../state/dialog-store.ts';
import { Time } from '../../ui/Time.tsx';
import { assignableRoles } from '../../../common/api/permission-rules.ts';
import { mayManageRoles } from '../actions/permissions.ts';
import { ROLE_NAMES } from '../actions/role-names.ts';
import { passwordHowWords } from './audit-words.ts';
import { Section } from './sections.tsx';

/** Who changed a password, in words: the holder, you, or the administrator by username. */
function whoWords(entry: AccountView['passwordHistory'][number], admin: AdminIdentity): string {
  if (entry.by === 'self') return 'the account holder';
  if (entry.by === 'system') return 'the service (import or setup)';
  if (entry.by === admin.accountId) return `you (${admin.username})`;
  return entry.byName ?? `administrator ${entry.by}`;
}

/** Every password change with who did it and how (SPEC §2: a shared login's holders ask). */
export function PasswordHistorySection({
  view,
  admin,
}: {
  view: AccountView;
  admin: AdminIdentity;
}) {
  if (!view.shared && view.passwordHistory.length === 0) return null;
  return (
    <Section id="password-history" title={`Password changes (${view.passwordHistory.length})`}>
      {view.passwordHistory.length === 0 ? (
        <p>No password change is recorded.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">How</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {view.passwordHistory.map((entry, i) => (
              <tr key={`${entry.at}-${i}`}>
                <td>
                  <Time at={entry.at} />
                </td>
                <td>{passwordHowWords(entry.how)}</td>
                <td>{whoWords(entry, admin)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** The organization a role holds in, by name where the console knows it. */
function organizationName(view: AccountView, admin: AdminIdentity, id: string | null): string {
  if (id === null) return 'every organization';
  if (id === view.organization.id) return view.organization.name;
  return admin.grants.find((g) => g.organizationId === id)?.organizationName ?? id;
}

/** The account's roles, with grant and revoke for an administrator who outranks it. */
export function RolesSection({
  view,
  admin,
  connectionId,
}: {
  view: AccountView;
  admin: AdminIdentity;
  connectionId: string;
}) {
  const open = useDialogStore((s) => s.open);
  const manage = mayManageRoles(admin, view);
  if (!manage && view.roles.length === 0) return null;
  const ref = { connectionId, accountId: view.id };
  const revocable = (role: string, organizationId: string | null) =>
    manage &&
    organizationId !== null &&
    assignableRoles(admin, organizationId).includes(role as Role);
  return (
    <Section id="roles" title="Console roles">
      {view.roles.length === 0 ? (
        <p>No role: this account cannot sign in to the console.</p>
      ) : (
        <ul className="role-list">
          {view.roles.map((r) => (
            <li key={`${r.role}-${r.organizationId ?? '*'}`}>
              {ROLE_NAMES[r.role as Role] ?? r.role} in{' '}
              {organizationName(view, admin, r.organizationId)}
              {revocable(r.role, r.organizationId) && (
                <button
                  type="button"
                  onClick={() =>
                    open({
                      kind: 'role',
                      change: 'revoke',
                      role: r.role as Role,
                      organizationId: r.organizationId,
                      ...ref,
                    })
                  }
                >
                  Revoke {ROLE_NAMES[r.role as Role] ?? r.role}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {manage && !view.shared && (
        <button type="button" onClick={() => open({ kind: 'role', change: 'grant', ...ref })}>
          Grant a role
        </button>
      )}
      {manage && view.shared && (
        <p className="muted">A shared login never holds a role: convert it first.</p>
      )}
    </Section>
  );
}
