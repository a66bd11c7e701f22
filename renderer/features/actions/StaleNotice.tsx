import type { Change } from './view-diff.ts';

interface Props {
  changes: Change[];
  /** False when the action no longer makes sense on the account as it is now. */
  stillApplies: boolean;
  busy: boolean;
  /** True after the service refused a stale version (412); false when found before sending. */
  refused?: boolean;
  onRetry(): void;
}

/**
 * What changed since the agent opened the account, and a way on with the new version: after a
 * 412 (retry), or found by the dialog's own re-check before it sent anything (continue).
 */
export function StaleNotice({ changes, stillApplies, busy, refused = true, onRetry }: Props) {
  return (
    <div className="notice notice-warn" role="alert">
      <p className="notice-headline">The account changed since you opened it</p>
      {changes.length === 0 ? (
        <p>Nothing you can see changed, but its version moved on.</p>
      ) : (
        <table className="changes">
          <caption>What changed</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">When you opened it</th>
              <th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.field}>
                <th scope="row">{c.field}</th>
                <td>{c.before || '—'}</td>
                <td>{c.after}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {stillApplies ? (
        <>
          <p>
            {refused ? 'Nothing was done.' : 'Nothing has been sent yet.'} Check the changes, then
            act on the new version.
          </p>
          <button type="button" className="primary" disabled={busy} onClick={onRetry}>
            {refused ? 'Retry on the new version' : 'Continue on the new version'}
          </button>
        </>
      ) : (
        <p>
          {refused ? 'Nothing was done' : 'Nothing has been sent'}, and this action no longer
          applies to the account as it is now.
        </p>
      )}
    </div>
  );
}
