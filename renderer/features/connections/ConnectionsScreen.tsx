import type { Connection } from '../../../common/ipc/contract.ts';
import { useRemoveConnection, useSignOut } from '../../queries/connections.ts';
import { useConnectionStore } from '../../state/connection-store.ts';
import { useRouteStore } from '../../state/route-store.ts';
import { useSearchStore } from '../../state/search-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { AddConnectionForm } from './AddConnectionForm.tsx';
import { MachineSettingsNotice } from './MachineSettingsNotice.tsx';
import { useMachineSettings } from './machine-settings.ts';
import { SignInForm } from './SignInForm.tsx';
import { roleWords } from './role-words.ts';

const STATE: Record<Connection['state'], string> = {
  signed_in: 'Signed in',
  signed_out: 'Signed out',
  locked: 'Locked',
};

/** After signing in: that connection becomes the active one, and the search box takes the focus. */
function useEnterConsole() {
  const setActive = useConnectionStore((s) => s.setActive);
  const show = useRouteStore((s) => s.show);
  const askSignIn = useRouteStore((s) => s.askSignIn);
  const requestFocus = useSearchStore((s) => s.requestFocus);
  return (connection: Connection) => {
    setActive(connection.id);
    askSignIn(null);
    show('console');
    requestFocus();
  };
}

function ConnectionItem({ connection, index }: { connection: Connection; index: number }) {
  const askSignIn = useRouteStore((s) => s.askSignIn);
  const enter = useEnterConsole();
  const signOut = useSignOut();
  const remove = useRemoveConnection();
  const c = connection;
  return (
    <li className="connection-item" style={{ borderLeftColor: c.colour }}>
      <div className="connection-summary">
        <ConnectionBadge connection={c} />
        <span className="muted">{c.url}</span>
        <span>
          {STATE[c.state]}
          {c.admin && ` as ${c.admin.username} (${roleWords(c.admin)})`}
        </span>
        {index < 9 && (
          <span className="muted">
            <kbd>Ctrl</kbd>+<kbd>{index + 1}</kbd>
          </span>
        )}
      </div>
      <div className="buttons">
        {c.state === 'signed_in' ? (
          <>
            <button
              type="button"
              className="primary"
              onClick={() => enter(c)}
              aria-label={`Open ${c.name}`}
            >
              Open
            </button>
            <button
              type="button"
              onClick={() => signOut.mutate(c.id)}
              aria-label={`Sign out of ${c.name}`}
            >
              Sign out
            </button>
          </>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => askSignIn(c.id)}
            aria-label={`Sign in to ${c.name}`}
          >
            Sign in
          </button>
        )}
        {!c.managed && c.state !== 'signed_in' && (
          <button type="button" onClick={() => remove.mutate(c.id)} aria-label={`Remove ${c.name}`}>
            Remove
          </button>
        )}
      </div>
      {signOut.isError && <ErrorNotice error={signOut.error} />}
      {remove.isError && <ErrorNotice error={remove.error} />}
    </li>
  );
}

/** Every account service the console knows: sign in, sign out, add and remove (SPEC §3). */
export function ConnectionsScreen({ connections }: { connections: Connection[] }) {
  const signInId = useRouteStore((s) => s.signInId);
  const askSignIn = useRouteStore((s) => s.askSignIn);
  const enter = useEnterConsole();
  const signingIn = connections.find((c) => c.id === signInId && c.state !== 'signed_in');
  const machine = useMachineSettings();
  // Until main has answered, adding stays hidden: IT may forbid it (fail closed).
  const mayAdd = machine.data?.allowUserConnections === true;
  return (
    <div className="connections-screen">
      <section className="card" aria-labelledby="connections-heading">
        <h2 id="connections-heading">Connections</h2>
        {machine.data && <MachineSettingsNotice settings={machine.data} />}
        {machine.isError && <ErrorNotice error={machine.error} />}
        {connections.length === 0 ? (
          <p>
            {mayAdd || !machine.data
              ? 'No connection yet: add the account service you look after below.'
              : 'No connection is available on this computer.'}
          </p>
        ) : (
          <ul className="connection-list">
            {connections.map((c, i) => (
              <ConnectionItem key={c.id} connection={c} index={i} />
            ))}
          </ul>
        )}
      </section>
      {signingIn && <SignInForm key={signingIn.id} connection={signingIn} onSignedIn={enter} />}
      {mayAdd && <AddConnectionForm count={connections.length} onAdded={(c) => askSignIn(c.id)} />}
    </div>
  );
}
