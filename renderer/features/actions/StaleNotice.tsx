import type { Change } from './view-diff.ts';

interface Props {
  changes: Change[];
  /** False when the action no longer makes sense on the account as it is now. */
  stillApplies: boolean;
  busy: boolean;
  onRetry(): void;
}

/** A 412 explained: what changed since the agent opened the account, and a retry on the new version. */
export function StaleNotice({ changes, stillApplies, busy, onRetry }: Props) {
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
          <p>Nothing was done. Check the changes, then act on the new version.</p>
          <button type="button" className="primary" disabled={busy} onClick={onRetry}>
            Retry on the new version
          </button>
        </>
      ) : (
        <p>Nothing was done, and this action no longer applies to the account as it is now.</p>
      )}
    </div>
  );
}
