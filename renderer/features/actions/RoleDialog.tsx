import { useId, useState } from 'react';
import type { AdminIdentity, Role } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useRoleChange } from '../../queries/accounts.ts';
import type { DialogState } from '../../state/dialog-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { ROLE_NAMES } from './role-names.ts';
import { ActionForm, type ActionFormValues } from './ActionForm.tsx';
import './admin-dialogs.css';
import { assignableRoles, holds } from '../../../common/api/permission-rules.ts';
import { StaleNotice } from './StaleNotice.tsx';
import { staleCurrent, useSeenAccount } from './use-account-change.ts';
import { diffViews } from './view-diff.ts';

type RoleDialogState = Extract<DialogState, { kind: 'role' }>;

/** The organizations where this administrator may manage roles, by name. */
export function roleOrganizations(
  admin: AdminIdentity,
  home: { id: string; name: string },
): Array<{ id: string; name: string }> {
  const found = new Map<string, string>();
  if (holds(admin, 'manage_roles', home.id)) found.set(home.id, home.name);
  for (const g of admin.grants)
    if (g.organizationId && g.permissions.includes('manage_roles'))
      found.set(g.organizationId, g.organizationName ?? g.organizationId);
  return [...found].map(([id, name]) => ({ id, name }));
}

interface Props {
  dialog: RoleDialogState;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/** Grants a role below one's own in an organization, or revokes one; why goes to the audit log. */
export function RoleDialog({ dialog, connection, admin, onClose }: Props) {
  const id = useId();
  const { seen, setSeen } = useSeenAccount(dialog);
  const [last, setLast] = useState<ActionFormValues | null>(null);
  const home = seen?.organization ?? { id: '', name: '' };
  const organizations = roleOrganizations(admin, home);
  const [organizationId, setOrganizationId] = useState(
    dialog.organizationId ?? organizations[0]?.id ?? '',
  );
  const roles = assignableRoles(admin, organizationId);
  const [role, setRole] = useState<Role>(dialog.role ?? roles[0] ?? 'helpdesk');
  const change = useRoleChange();
  const current = staleCurrent(change.error);
  if (!seen)
    return (
      <Modal title="Account not loaded" onClose={onClose}>
        <p>Open the account again, then change its roles.</p>
      </Modal>
    );
  const grant = dialog.change === 'grant';
  const orgName = organizations.find((o) => o.id === organizationId)?.name ?? organizationId;
  const submit = (values: ActionFormValues, version: number) => {
    setLast(values);
    change.mutate({
      change: dialog.change,
      connectionId: dialog.connectionId,
      accountId: dialog.accountId,
      version,
      role,
      organizationId,
      reason: values.reason.trim(),
    });
  };
  return (
    <Modal
      title={`${grant ? 'Grant a role' : 'Revoke a role'}: ${seen.username}`}
      onClose={onClose}
      busy={change.isPending}
      accent={connection.colour}
    >
      <p className="dialog-context">
        <ConnectionBadge connection={connection} /> · {seen.organization.name} · {seen.email}
      </p>
      {change.isSuccess ? (
        <div className="done">
          <p className="done-summary" role="status">
            <span aria-hidden="true">✓ </span>
            {grant
              ? `${seen.username} now holds the ${ROLE_NAMES[role]} role in ${orgName}`
              : `${seen.username} no longer holds the ${ROLE_NAMES[role]} role in ${orgName}`}
          </p>
          <div className="buttons">
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <>
          {grant ? (
            <div className="role-choice">
              <label htmlFor={`${id}-role`}>Role</label>
              <select
                id={`${id}-role`}
                value={role}
                onChange={(e) => setRole(e.target.value as Role)}
              >
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_NAMES[r]}
                  </option>
                ))}
              </select>
              <label htmlFor={`${id}-org`}>In organization</label>
              <select
                id={`${id}-org`}
                value={organizationId}
                onChange={(e) => setOrganizationId(e.target.value)}
              >
                {organizations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <p>
              Revokes the <strong>{ROLE_NAMES[role]}</strong> role in <strong>{orgName}</strong>.
            </p>
          )}
          {current && (
            <StaleNotice
              changes={diffViews(seen, current)}
              stillApplies={holds(admin, 'manage_roles', organizationId)}
              busy={change.isPending}
              onRetry={() => {
                setSeen(current);
                if (last) submit(last, current.version);
              }}
            />
          )}
          <ActionForm
            info={{
              explains: grant
                ? 'The account can sign in to the console with this role’s permissions from its next sign-in; a shared login never can.'
                : 'The account loses this role’s permissions at its next request.',
              confirm: grant ? 'Grant role' : 'Revoke role',
              needsVerification: false,
              changesPassword: false,
            }}
            view={seen}
            connectionId={dialog.connectionId}
            verification={undefined}
            askTicket={false}
            hideVerification
            pending={change.isPending}
            error={current ? null : change.error}
            hideSubmit={!!current}
            onSubmit={(values) => submit(values, seen.version)}
            onCancel={onClose}
          />
        </>
      )}
    </Modal>
  );
}
