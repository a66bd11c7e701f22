import { useId, useState, type FormEvent } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useSignOut, useUnlock } from '../../queries/connections.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';

function UnlockForm({ connection, first }: { connection: Connection; first: boolean }) {
  const id = useId();
  const unlock = useUnlock();
  const signOut = useSignOut();
  const [password, setPassword] = useState('');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    unlock.mutate({ connectionId: connection.id, password }, { onSettled: () => setPassword('') });
  };
  return (
    <form
      onSubmit={onSubmit}
      className="card stack lock-form"
      style={{ borderTopColor: connection.colour }}
    >
      <p>
        <ConnectionBadge connection={connection} />
        {connection.admin && <> · signed in as {connection.admin.username}</>}
      </p>
      <label htmlFor={`${id}-password`}>Password for {connection.name}</label>
      <input
        id={`${id}-password`}
        type="password"
        autoComplete="current-password"
        autoFocus={first}
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      {unlock.isError && <ErrorNotice error={unlock.error} />}
      {signOut.isError && <ErrorNotice error={signOut.error} />}
      {unlock.isPending && <Progress label="Unlocking…" />}
      <div className="buttons">
        <button type="submit" className="primary" disabled={unlock.isPending}>
          Unlock
        </button>
        <button type="button" onClick={() => signOut.mutate(connection.id)}>
          Sign out instead
        </button>
      </div>
    </form>
  );
}

/** The idle lock (SPEC §3): nothing of the console shows until the password is given again. */
export function LockScreen({
  locked,
  idleMinutes,
}: {
  locked: Connection[];
  idleMinutes: number | null;
}) {
  return (
    <main className="lock-screen" aria-labelledby="lock-heading">
      <h1 id="lock-heading">Console locked</h1>
      <p>
        {idleMinutes
          ? `Locked after ${idleMinutes} minutes without activity.`
          : 'Locked after a while without activity.'}{' '}
        Enter your password to carry on where you left off.
      </p>
      {locked.map((c, i) => (
        <UnlockForm key={c.id} connection={c} first={i === 0} />
      ))}
    </main>
  );
}
