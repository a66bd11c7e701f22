import { useId, useRef, useState, type FormEvent } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { errorField } from '../../ipc/error-words.ts';
import { IpcFailure } from '../../ipc/latchkey.ts';
import { useSignIn } from '../../queries/connections.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';

/** Which field a refusal is about: the service's `field`, or the TOTP codes' own. */
function fieldOf(error: unknown): string | undefined {
  if (
    error instanceof IpcFailure &&
    error.code.startsWith('totp_') &&
    error.code !== 'totp_enrollment_required'
  )
    return 'totp';
  return errorField(error);
}

/** Username, password and the authenticator's code; the password is dropped after each try. */
export function SignInForm({
  connection,
  onSignedIn,
}: {
  connection: Connection;
  onSignedIn(connection: Connection): void;
}) {
  const id = useId();
  const signIn = useSignIn();
  const [username, setUsername] = useState(connection.admin?.username ?? '');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const totpRef = useRef<HTMLInputElement>(null);
  const field = fieldOf(signIn.error);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    // Awaited rather than mutate's callbacks: this form unmounts as soon as the connection
    // shows as signed in, and what follows must still happen.
    signIn
      .mutateAsync({
        connectionId: connection.id,
        username,
        password,
        totp: totp.trim() || undefined,
      })
      .then(onSignedIn, (error: unknown) => {
        setTotp('');
        if (fieldOf(error) === 'totp') totpRef.current?.focus();
        else setPassword('');
      });
  };

  return (
    <section className="card sign-in" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>
        Sign in to <ConnectionBadge connection={connection} />
      </h2>
      <p className="muted">{connection.url}</p>
      <form onSubmit={onSubmit} className="stack">
        <label htmlFor={`${id}-username`}>Username</label>
        <input
          id={`${id}-username`}
          value={username}
          autoComplete="username"
          autoFocus
          aria-invalid={field === 'username' || undefined}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          value={password}
          autoComplete="current-password"
          aria-invalid={field === 'password' || undefined}
          onChange={(event) => setPassword(event.target.value)}
        />
        <label htmlFor={`${id}-totp`}>Authenticator code</label>
        <input
          ref={totpRef}
          id={`${id}-totp`}
          value={totp}
          inputMode="numeric"
          autoComplete="one-time-code"
          aria-describedby={`${id}-totp-hint`}
          aria-invalid={field === 'totp' || undefined}
          onChange={(event) => setTotp(event.target.value)}
        />
        <p id={`${id}-totp-hint`} className="hint">
          Six digits from your authenticator app, or a recovery code.
        </p>
        {signIn.isError && <ErrorNotice error={signIn.error} />}
        {signIn.isPending && <Progress label="Signing in…" />}
        <div className="buttons">
          <button type="submit" className="primary" disabled={signIn.isPending}>
            Sign in
          </button>
        </div>
      </form>
    </section>
  );
}
