import type { Connection } from '../../../common/ipc/contract.ts';
import { useDialogStore } from '../../state/dialog-store.ts';
import { IdentityDialog } from '../account-admin/IdentityDialog.tsx';
import { MoveDialog } from '../account-admin/MoveDialog.tsx';
import { ProductsDialog } from '../account-admin/ProductsDialog.tsx';
import { ActionDialog } from './ActionDialog.tsx';
import { ConversionDialog } from './ConversionDialog.tsx';
import { HoldersDialog } from './HoldersDialog.tsx';
import { RoleDialog } from './RoleDialog.tsx';

/** Renders the one open dialog; none while its connection is not signed in. */
export function DialogHost({ connections }: { connections: Connection[] }) {
  const dialog = useDialogStore((s) => s.dialog);
  const close = useDialogStore((s) => s.close);
  if (!dialog) return null;
  const connection = connections.find((c) => c.id === dialog.connectionId);
  if (!connection?.admin || connection.state !== 'signed_in') return null;
  const key = JSON.stringify(dialog);
  const common = {
    connection,
    admin: connection.admin,
    onClose: close,
  };
  switch (dialog.kind) {
    case 'holders':
      return <HoldersDialog key={key} {...common} dialog={dialog} />;
    case 'convert':
      return <ConversionDialog key={key} {...common} dialog={dialog} />;
    case 'role':
      return <RoleDialog key={key} {...common} dialog={dialog} />;
    case 'identity':
      return <IdentityDialog key={key} {...common} dialog={dialog} />;
    case 'products':
      return <ProductsDialog key={key} {...common} dialog={dialog} />;
    case 'move':
      return <MoveDialog key={key} {...common} dialog={dialog} />;
    default:
      return <ActionDialog key={key} {...common} dialog={dialog} />;
  }
}
