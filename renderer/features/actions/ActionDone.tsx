import { useEffect, useRef } from 'react';
import type { ActionResult } from '../../../common/api/actions.ts';
import { localSummary } from '../../format/time.ts';
import { TemporaryPassword } from './TemporaryPassword.tsx';

/** What was done, in the service's words; a temporary password shown once. */
export function ActionDone({ result, onClose }: { result: ActionResult; onClose(): void }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="done">
      <p ref={ref} tabIndex={-1} className="done-summary" role="status">
        <span aria-hidden="true">✓ </span>
        {localSummary(result.summary, result.linkExpiresAt)}
      </p>
      {result.temporaryPassword && (
        <TemporaryPassword
          secret={result.temporaryPassword}
          expiresAt={result.temporaryPasswordExpiresAt}
          shared={result.action === 'reset-shared-login'}
        />
      )}
      {result.createdAccounts && result.createdAccounts.length > 0 && (
        <>
          <h3>Personal accounts created</h3>
          <ul>
            {result.createdAccounts.map((a) => (
              <li key={a.id}>
                {a.username} ({a.email}): invited by email
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
