import { useEffect } from 'react';
import type { Connection } from '../../common/ipc/contract.ts';
import { MinimumVersionScreen } from '../features/about/MinimumVersionScreen.tsx';
import { LockScreen } from '../features/connections/LockScreen.tsx';
import { useConnections } from '../queries/connections.ts';
import { useInstallation } from '../queries/installation.ts';
import { useConnectionStore } from '../state/connection-store.ts';
import { ErrorNotice } from '../ui/ErrorNotice.tsx';
import { Progress } from '../ui/Progress.tsx';
import { useActivityReporter } from './activity.ts';
import { useIpcEvents } from './ipc-events.ts';
import { Shell } from './Shell.tsx';
import { useGlobalShortcuts } from './shortcuts.ts';

const NONE: Connection[] = [];

/** Keeps the active connection on one that is signed in, when there is one. */
function useActiveConnection(connections: Connection[]): void {
  const activeId = useConnectionStore((s) => s.activeId);
  const setActive = useConnectionStore((s) => s.setActive);
  useEffect(() => {
    const active = connections.find((c) => c.id === activeId);
    if (active?.state === 'signed_in') return;
    const next =
      connections.find((c) => c.state === 'signed_in') ?? (active ? undefined : connections[0]);
    if (next && next.id !== activeId) setActive(next.id);
  }, [connections, activeId, setActive]);
}

/** The console: its connections, then the lock screen or the shell. */
export function App() {
  const query = useConnections();
  const installation = useInstallation();
  const connections = query.data ?? NONE;
  const locked = connections.filter((c) => c.state === 'locked');
  useIpcEvents();
  useActivityReporter();
  useActiveConnection(connections);
  useGlobalShortcuts(connections, locked.length === 0);

  // Issue 17: a build older than IT's minimum opens nothing else (main refuses it all too).
  if (installation.data?.minimumVersion?.blocked)
    return <MinimumVersionScreen about={installation.data} />;
  if (query.isPending || installation.isPending)
    return (
      <main className="screen">
        <Progress label="Starting the console…" />
      </main>
    );
  if (query.isError)
    return (
      <main className="screen">
        <h1>Latchkey Console</h1>
        <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
      </main>
    );
  if (locked.length > 0) {
    const minutes = locked.map((c) => c.admin?.idleLockMinutes ?? 0).filter(Boolean);
    return (
      <LockScreen locked={locked} idleMinutes={minutes.length ? Math.min(...minutes) : null} />
    );
  }
  return <Shell connections={connections} />;
}
