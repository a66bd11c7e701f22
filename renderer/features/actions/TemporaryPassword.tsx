import { useState } from 'react';
import { formatClock, formatTime } from '../../format/time.ts';
import { latchkey, unwrap } from '../../ipc/latchkey.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { groupsOfThree, spellGroup } from './phonetic.ts';

interface Props {
  secret: string;
  expiresAt?: number | undefined;
  /** A shared login's new password: kept, not changed at the first sign-in (SPEC §2). */
  shared?: boolean;
}

/**
 * The temporary password, shown once: large, in groups of three, with its phonetic spelling
 * for reading over the phone. Copy goes through main, which clears the clipboard after 30 s.
 * It lives only in this component's props: closing the dialog forgets it.
 */
export function TemporaryPassword({ secret, expiresAt, shared = false }: Props) {
  const groups = groupsOfThree(secret);
  const [clearsAt, setClearsAt] = useState<number | null>(null);
  const [copyError, setCopyError] = useState<unknown>(null);

  const copy = () => {
    setCopyError(null);
    unwrap(latchkey().copySecret({ text: secret })).then(
      (answer) => setClearsAt(answer.clearsAt),
      (error: unknown) => setCopyError(error),
    );
  };

  return (
    <section className="temporary-password" aria-labelledby="temporary-password-heading">
      <h3 id="temporary-password-heading">
        {shared ? 'Shared password, shown once' : 'Temporary password, shown once'}
      </h3>
      <div className="secret" data-testid="temporary-password">
        {groups.map((g, i) => (
          <span key={i} className="secret-group">
            {g}
            {i < groups.length - 1 ? ' ' : ''}
          </span>
        ))}
      </div>
      <div className="row">
        <button type="button" onClick={copy}>
          Copy
        </button>
        {clearsAt !== null && (
          <span role="status">Copied. The clipboard clears at {formatClock(clearsAt)}.</span>
        )}
      </div>
      {copyError !== null && <ErrorNotice error={copyError} />}
      <h4>Read it out</h4>
      <ol className="phonetic">
        {groups.map((g, i) => (
          <li key={i}>
            <span className="phonetic-group">{g}</span> {spellGroup(g)}
          </li>
        ))}
      </ol>
      {shared ? (
        <p>
          Read it to the holder on the phone. It does not expire and does not have to be changed:
          the holders share it. Closing this dialog forgets it.
        </p>
      ) : (
        <p>
          Valid until {formatTime(expiresAt)}. The holder must choose a new password at the first
          sign-in. Closing this dialog forgets it.
        </p>
      )}
    </section>
  );
}
