import { lazy, Suspense, useEffect, useRef, type RefObject } from 'react';
import type { Permission } from '../../common/api/auth.ts';
import type { Connection } from '../../common/ipc/contract.ts';
import { AboutScreen } from '../features/about/AboutScreen.tsx';
import { AccountPane } from '../features/account/AccountPane.tsx';
import { NewAccountHost } from '../features/account-admin/NewAccountDialog.tsx';
import { DialogHost } from '../features/actions/DialogHost.tsx';
import { ConnectionsScreen } from '../features/connections/ConnectionsScreen.tsx';
import { roleWords } from '../features/connections/role-words.ts';
import { SearchPane } from '../features/search/SearchPane.tsx';
import { useAccountAdminStore } from '../state/account-admin-store.ts';
import { useConnectionStore } from '../state/connection-store.ts';
import { useRouteStore, type Screen } from '../state/route-store.ts';
import { Announcer } from '../ui/Announcer.tsx';
import { ConnectionBadge } from '../ui/ConnectionBadge.tsx';
import { Progress } from '../ui/Progress.tsx';
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

/** True when the connection's administrator holds the permission somewhere. */
const holdsAnywhere = (connection: Connection | undefined, permission: Permission) =>
  connection?.state === 'signed_in' &&
  !!connection.admin?.grants.some((g) => g.permissions.includes(permission));

/** The screens the header offers: Audit, Organizations and Products only to those who may use them. */
function screensFor(active: Connection | undefined): Array<{ screen: Screen; label: string }> {
  return [
    { screen: 'console', label: 'Search' },
    ...(holdsAnywhere(active, 'read_audit') ? [{ screen: 'audit' as const, label: 'Audit' }] : []),
    ...(holdsAnywhere(active, 'edit_policy')
      ? [{ screen: 'organizations' as const, label: 'Organizations' }]
      : []),
    ...(holdsAnywhere(active, 'import_accounts')
      ? [{ screen: 'import' as const, label: 'Import' }]
      : []),
    ...(active?.state === 'signed_in' && active.admin?.superAdmin
      ? [{ screen: 'products' as const, label: 'Products' }]
      : []),
    { screen: 'connections', label: 'Connections' },
    { screen: 'about', label: 'About' },
  ];
}

/** The screen shown: the chosen one when the active connection allows it, else Connections. */
function shownScreen(screen: Screen, active: Connection | undefined, anySignedIn: boolean): Screen {
  // About this installation needs no connection (issue 17).
  if (!anySignedIn) return screen === 'about' ? 'about' : 'connections';
  return screensFor(active).some((s) => s.screen === screen) ? screen : 'console';
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
  screen: Screen;
}) {
  const show = useRouteStore((s) => s.show);
  const startCreate = useAccountAdminStore((s) => s.startCreate);
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
          {screensFor(active).map((s) => (
            <button
              key={s.screen}
              type="button"
              aria-current={screen === s.screen ? 'page' : undefined}
              onClick={() => show(s.screen)}
            >
              {s.label}
            </button>
          ))}
        </nav>
        {active && holdsAnywhere(active, 'create_accounts') && (
          <button type="button" className="new-account" onClick={() => startCreate(active.id)}>
            New account
          </button>
        )}
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

// Administrators' screens load on first use: the helpdesk's start-up bundle stays small.
const AuditScreen = lazy(() =>
  import('../features/audit/AuditScreen.tsx').then((m) => ({ default: m.AuditScreen })),
);
const OrganizationsScreen = lazy(() =>
  import('../features/organizations/OrganizationsScreen.tsx').then((m) => ({
    default: m.OrganizationsScreen,
  })),
);

const ProductsScreen = lazy(() =>
  import('../features/products/ProductsScreen.tsx').then((m) => ({
    default: m.ProductsScreen,
  })),
);

const ImportScreen = lazy(() =>
  import('../features/import/ImportScreen.tsx').then((m) => ({ default: m.ImportScreen })),
);

const SCREEN_WORDS: Record<Screen, string> = {
  import: 'The Import screen',
  console: 'The console',
  connections: 'The Connections screen',
  audit: 'The Audit screen',
  organizations: 'The Organizations screen',
  products: 'The Products screen',
  about: 'About this installation',
};

const FIRST_FIELD = 'input:not([disabled]), select:not([disabled]), textarea:not([disabled])';

/**
 * Issue 15: the first screen starts on its first field (the search box, or the sign-in or
 * add-connection form), unless a field already took the focus with autoFocus.
 */
function useInitialFocus(main: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    if (document.activeElement !== document.body && document.activeElement !== null) return;
    main.current?.querySelector<HTMLElement>(FIRST_FIELD)?.focus();
  }, [main]);
}

/** The signed-in console: header, then search beside the account, or another screen. */
export function Shell({ connections }: { connections: Connection[] }) {
  const chosen = useRouteStore((s) => s.screen);
  const activeId = useConnectionStore((s) => s.activeId);
  const active = connections.find((c) => c.id === activeId);
  const anySignedIn = connections.some((c) => c.state === 'signed_in');
  const screen = shownScreen(chosen, active, anySignedIn);
  const mainRef = useRef<HTMLElement>(null);
  useInitialFocus(mainRef);
  return (
    <div className="shell">
      <Header connections={connections} active={active} screen={screen} />
      <Notice />
      <main className={screen === 'console' ? 'console' : 'screen'} ref={mainRef}>
        <ErrorBoundary what={SCREEN_WORDS[screen]}>
          {screen === 'console' && (
            <>
              <ErrorBoundary what="Search">
                <SearchPane connections={connections} />
              </ErrorBoundary>
              <AccountPane connections={connections} />
            </>
          )}
          {screen === 'connections' && <ConnectionsScreen connections={connections} />}
          <Suspense fallback={<Progress label={`Opening ${SCREEN_WORDS[screen]}…`} />}>
            {screen === 'audit' && active && <AuditScreen connection={active} />}
            {screen === 'organizations' && active && <OrganizationsScreen connection={active} />}
            {screen === 'products' && active && <ProductsScreen connection={active} />}
            {screen === 'import' && active && <ImportScreen connection={active} />}
          </Suspense>
          {screen === 'about' && <AboutScreen />}
        </ErrorBoundary>
      </main>
      <DialogHost connections={connections} />
      <NewAccountHost connections={connections} />
      <Announcer />
    </div>
  );
}
