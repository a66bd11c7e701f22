import type { Connection } from '../../../common/ipc/contract.ts';
import { useDialogStore } from '../../state/dialog-store.ts';
import { ActionDialog } from './ActionDialog.tsx';

/** Renders the one open dialog; none while its connection is not signed in. */
export function DialogHost({ connections }: { connections: Connection[] }) {
  const dialog = useDialogStore((s) => s.dialog);
  const close = useDialogStore((s) => s.close);
  if (!dialog) return null;
  const connection = connections.find((c) => c.id === dialog.connectionId);
  if (!connection?.admin || connection.state !== 'signed_in') return null;
  return (
    <ActionDialog
      key={JSON.stringify(dialog)}
      dialog={dialog}
      connection={connection}
      admin={connection.admin}
      onClose={close}
    />
  );
}
