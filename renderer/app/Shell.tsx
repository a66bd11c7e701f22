import type { Connection } from '../../common/ipc/contract.ts';
import { AccountPane } from '../features/account/AccountPane.tsx';
import { DialogHost } from '../features/actions/DialogHost.tsx';
import { ConnectionsScreen } from '../features/connections/ConnectionsScreen.tsx';
import { roleWords } from '../features/connections/role-words.ts';
import { SearchPane } from '../features/search/SearchPane.tsx';
import { useConnectionStore } from '../state/connection-store.ts';
import { useRouteStore } from '../state/route-store.ts';
import { ConnectionBadge } from '../ui/ConnectionBadge.tsx';
import { ConnectionSwitcher } from './ConnectionSwitcher.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';

function Notice() {
  const notice = useRouteStore((s) => s.notice);
  const setNotice = useRouteStore((s) => s.setNotice);
  if (!notice) return null;
  return (
    <div className="notice notice-warn banner" role="alert">
      <p>{notice}</p>
      <button type="button" onClick={() => setNotice(null)}>
        Dismiss
      </button>
    </div>
  );
}

/** The header: where you are (connection name and colour), who you are, and the screens. */
function Header({
  connections,
  active,
  screen,
}: {
  connections: Connection[];
  active: Connection | undefined;
  /** The screen actually shown (the console needs a signed-in connection). */
  screen: 'console' | 'connections';
}) {
  const show = useRouteStore((s) => s.show);
  return (
    <header className="app-header">
      <div
        className="accent"
        style={{ backgroundColor: active?.colour ?? '#6b7280' }}
        aria-hidden="true"
      />
      <div className="header-row">
        <h1>Latchkey Console</h1>
        <ConnectionSwitcher connections={connections} />
        <nav className="screens" aria-label="Screens">
          <button
            type="button"
            aria-current={screen === 'console' ? 'page' : undefined}
            onClick={() => show('console')}
          >
            Search
          </button>
          <button
            type="button"
            aria-current={screen === 'connections' ? 'page' : undefined}
            onClick={() => show('connections')}
          >
            Connections
          </button>
        </nav>
        {active?.admin && (
          <p className="who">
            <ConnectionBadge connection={active} size="small" /> {active.admin.username} ·{' '}
            {roleWords(active.admin)}
          </p>
        )}
      </div>
    </header>
  );
}

/** The signed-in console: header, then the Connections screen or search beside the account. */
export function Shell({ connections }: { connections: Connection[] }) {
  const screen = useRouteStore((s) => s.screen);
  const activeId = useConnectionStore((s) => s.activeId);
  const active = connections.find((c) => c.id === activeId);
  const anySignedIn = connections.some((c) => c.state === 'signed_in');
  const showConsole = screen === 'console' && anySignedIn;
  return (
    <div className="shell">
      <Header
        connections={connections}
        active={active}
        screen={showConsole ? 'console' : 'connections'}
      />
      <Notice />
      <main className={showConsole ? 'console' : 'screen'}>
        <ErrorBoundary what={showConsole ? 'The console' : 'The Connections screen'}>
          {showConsole ? (
            <>
              <ErrorBoundary what="Search">
                <SearchPane connections={connections} />
              </ErrorBoundary>
              <AccountPane connections={connections} />
            </>
          ) : (
            <ConnectionsScreen connections={connections} />
          )}
        </ErrorBoundary>
      </main>
      <DialogHost connections={connections} />
    </div>
  );
}
