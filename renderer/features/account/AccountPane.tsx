import { useEffect, useRef, useState, type RefObject } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { ErrorBoundary } from '../../app/ErrorBoundary.tsx';
import { useAccountView } from '../../queries/account-view.ts';
import { focusAndAnnounce } from '../../state/announce-store.ts';
import { useDialogStore } from '../../state/dialog-store.ts';
import { useSelectionStore, type AccountRef } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { ActionBar } from '../actions/ActionBar.tsx';
import { mayResend } from '../actions/permissions.ts';
import { VerifyPanel } from '../verify/VerifyPanel.tsx';
import { PasswordHistorySection, RolesSection } from './admin-records.tsx';
import { ProductLogoutsSection } from './product-logouts.tsx';
import { AuditSection, EmailsSection, HoldersSection, LinksSection } from './records.tsx';
import { IdentitySection, PasswordSection, StatusSection } from './sections.tsx';

function StatusBadges({ view }: { view: AccountView }) {
  const s = view.status;
  return (
    <span className="badges">
      {s.locked && <span className="badge badge-danger">Locked</span>}
      {s.disabled && <span className="badge badge-muted">Disabled</span>}
      {view.shared && <span className="badge badge-info">Shared login</span>}
      {s.mustChangePassword && <span className="badge badge-warn">Must change password</span>}
      {!view.securityQuestion && <span className="badge badge-warn">No security question</span>}
    </span>
  );
}

interface DetailsProps {
  view: AccountView;
  connection: Connection;
  admin: AdminIdentity;
  refreshing: boolean;
  onRefresh(): void;
}

/**
 * Issue 15: when the focused control vanishes (Unlock, once the account is unlocked), the focus
 * goes to the account's heading rather than dropping to <body>.
 */
function useFocusFallback(
  article: RefObject<HTMLElement | null>,
  heading: RefObject<HTMLElement | null>,
) {
  const last = useRef<Element | null>(null);
  useEffect(() => {
    const el = article.current;
    const onFocusIn = (event: FocusEvent) => {
      last.current = event.target instanceof Element ? event.target : null;
    };
    el?.addEventListener('focusin', onFocusIn);
    return () => el?.removeEventListener('focusin', onFocusIn);
  }, [article]);
  // After every render: a dialog open has the focus elsewhere on purpose (its close restores it).
  useEffect(() => {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (!lost || !last.current || last.current.isConnected) return;
    if (useDialogStore.getState().dialog !== null) return;
    last.current = null;
    focusAndAnnounce(heading.current, 'That control is gone; back on the account.');
  });
}

/** Issue 15: after the caller is verified, the focus goes to the first action. */
function focusFirstAction(article: HTMLElement | null): void {
  const first = article?.querySelector<HTMLElement>('.action-buttons button:not(:disabled)');
  focusAndAnnounce(first, 'Caller verified; the first action has the focus.');
}

/** The §3 account view: who, where, status, password history, records and the timeline. */
function AccountDetails({ view, connection, admin, refreshing, onRefresh }: DetailsProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const articleRef = useRef<HTMLElement>(null);
  useFocusFallback(articleRef, headingRef);
  const focusAccount = useSelectionStore((s) => s.focusAccount);
  const openDialog = useDialogStore((s) => s.open);
  useEffect(() => {
    if (focusAccount > 0) headingRef.current?.focus();
  }, [focusAccount]);
  const ref = { connectionId: connection.id, accountId: view.id };
  const onResend = mayResend(admin, view)
    ? (mailId: string) => openDialog({ kind: 'resend-mail', mailId, ...ref })
    : null;
  return (
    <article className="account" aria-labelledby="account-heading" ref={articleRef}>
      <header className="account-head" style={{ borderColor: connection.colour }}>
        <h2 id="account-heading" ref={headingRef} tabIndex={-1}>
          {view.username}
          {view.name && <span className="account-name"> · {view.name}</span>}
        </h2>
        <p className="account-context">
          <ConnectionBadge connection={connection} /> · {view.organization.name} ·{' '}
          <span className="muted">version {view.version}</span>
        </p>
        <StatusBadges view={view} />
      </header>
      <ActionBar connectionId={connection.id} view={view} admin={admin} />
      {/* Issue 15: after the actions in the tab order, so the heading's next stop is an action. */}
      <div className="row refresh-row">
        <button type="button" className="refresh" onClick={onRefresh} disabled={refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <VerifyPanel
        connectionId={connection.id}
        view={view}
        endCall
        onVerified={() => focusFirstAction(articleRef.current)}
      />
      <div className="sections">
        <IdentitySection view={view} />
        <StatusSection view={view} />
        <PasswordSection view={view} admin={admin} />
        <HoldersSection view={view} />
        <PasswordHistorySection view={view} admin={admin} />
        <RolesSection view={view} admin={admin} connectionId={connection.id} />
        <LinksSection view={view} />
        <EmailsSection view={view} onResend={onResend} />
        <ProductLogoutsSection view={view} />
        <AuditSection view={view} />
      </div>
    </article>
  );
}

/**
 * The open account, kept current by polling (queries/account-view.ts). "Refreshing…" shows only
 * for the agent's own Refresh, and a failed poll keeps the view with a notice: a background
 * check must not make the pane flicker or jump.
 */
function AccountLoader({ open, connection }: { open: AccountRef; connection: Connection }) {
  const query = useAccountView(open.connectionId, open.accountId, connection.admin !== null);
  const [refreshing, setRefreshing] = useState(false);
  const onRefresh = () => {
    setRefreshing(true);
    void query.refetch().finally(() => setRefreshing(false));
  };
  if (!connection.admin) return <p>Sign in to {connection.name} to see this account.</p>;
  if (query.isPending) return <Progress label="Loading the account…" />;
  if (query.isError && !query.data)
    return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <>
      {query.isError && <ErrorNotice error={query.error} onRetry={onRefresh} />}
      <AccountDetails
        view={query.data}
        connection={connection}
        admin={connection.admin}
        refreshing={refreshing}
        onRefresh={onRefresh}
      />
    </>
  );
}

/** The right-hand pane: the open account, or how to open one. */
export function AccountPane({ connections }: { connections: Connection[] }) {
  const open = useSelectionStore((s) => s.open);
  const connection = open ? connections.find((c) => c.id === open.connectionId) : undefined;
  return (
    <section className="pane account-pane" aria-label="Account">
      {!open || !connection ? (
        <p className="empty">
          Open an account from the results: <kbd>↑</kbd> <kbd>↓</kbd> then <kbd>Enter</kbd>.
        </p>
      ) : (
        <ErrorBoundary key={`${open.connectionId}/${open.accountId}`} what="This account">
          <AccountLoader open={open} connection={connection} />
        </ErrorBoundary>
      )}
    </section>
  );
}
