import { useId, useState } from 'react';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { mayMove } from '../actions/permissions.ts';
import { AccountChangeDialog } from './AccountChangeDialog.tsx';
import { OrganizationChoice } from './fields.tsx';
import { useAdminOrganizations } from './use-admin-organizations.ts';

interface Props {
  dialog: AccountRef;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/** Moves the account to another organization this administrator also manages (issue 16). */
export function MoveDialog({ dialog, connection, admin, onClose }: Props) {
  const id = useId();
  const { organizations } = useAdminOrganizations(connection.id, admin, 'create_accounts');
  const [target, setTarget] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <AccountChangeDialog
      dialog={dialog}
      connection={connection}
      title="Move organization"
      explains="The account comes under the new organization’s policy and administrators; the audit log records both organizations."
      confirm="Move account"
      stillApplies={(view) => mayMove(admin, view)}
      request={() => {
        if (!target) {
          setError('Choose an organization.');
          document.getElementById(`${id}-org`)?.focus();
          return null;
        }
        setError(null);
        return { kind: 'move', fields: { organizationId: target } };
      }}
      onClose={onClose}
    >
      {(seen, server) => (
        <OrganizationChoice
          id={`${id}-org`}
          label={`Move from ${seen.organization.name} to`}
          organizations={organizations.filter((o) => o.id !== seen.organization.id)}
          value={target}
          error={error ?? (server?.field === 'organizationId' ? server.message : null)}
          onChange={(v) => {
            setTarget(v);
            setError(null);
          }}
        />
      )}
    </AccountChangeDialog>
  );
}
