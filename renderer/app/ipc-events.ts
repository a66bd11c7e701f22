import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Connection, IpcEvent } from '../../common/ipc/contract.ts';
import { latchkey } from '../ipc/latchkey.ts';
import { clearConnection } from '../queries/accounts.ts';
import { connectionKeys, refreshConnections } from '../queries/connections.ts';
import { useConnectionStore } from '../state/connection-store.ts';
import { useDialogStore } from '../state/dialog-store.ts';
import { useImportStore } from '../state/import-store.ts';
import { useRouteStore } from '../state/route-store.ts';
import { useSelectionStore } from '../state/selection-store.ts';
import { useVerificationStore } from '../state/verification-store.ts';

/** A genuine 401 in main: forget everything of that connection and say so (STYLE §5). */
function sessionExpired(qc: QueryClient, connectionId: string): void {
  clearConnection(qc, connectionId);
  useVerificationStore.getState().forgetConnection(connectionId);
  if (useSelectionStore.getState().open?.connectionId === connectionId)
    useSelectionStore.getState().close();
  if (useDialogStore.getState().dialog?.connectionId === connectionId)
    useDialogStore.getState().close();
  const name = qc
    .getQueryData<Connection[]>(connectionKeys.all)
    ?.find((c) => c.id === connectionId)?.name;
  useRouteStore
    .getState()
    .setNotice(`Your session on ${name ?? 'a connection'} ended: sign in again.`);
  // On the connection in use, the sign-in form opens straight away.
  if (useConnectionStore.getState().activeId === connectionId)
    useRouteStore.getState().askSignIn(connectionId);
  void refreshConnections(qc);
}

function handle(qc: QueryClient, event: IpcEvent): void {
  switch (event.type) {
    case 'session-expired':
      sessionExpired(qc, event.connectionId);
      return;
    case 'locked':
      // The lock screen replaces everything; a dialog (and any password in it) is gone for good.
      useDialogStore.getState().close();
      void refreshConnections(qc);
      return;
    case 'connections-changed':
      void refreshConnections(qc);
      return;
    case 'import-progress': {
      // The Import screen shows it; an event of another file (one replaced since) is ignored.
      const store = useImportStore.getState();
      if (store.file?.importId === event.importId) store.setProgress(event);
      return;
    }
    case 'export-progress':
      // The Audit screen listens for it while its export runs (useExportProgress).
      return;
    default: {
      const never: never = event;
      void never;
    }
  }
}

/** Subscribes to main's events for the life of the app. */
export function useIpcEvents(): void {
  const qc = useQueryClient();
  useEffect(() => {
    try {
      return latchkey().onEvent((event) => handle(qc, event));
    } catch {
      return undefined;
    }
  }, [qc]);
}
