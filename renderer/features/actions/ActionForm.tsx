import { reasonProblem } from '../../../common/api/why.ts';
import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { VerificationResult } from '../../../common/api/actions.ts';
import { formatClock, plural } from '../../format/time.ts';
import { errorField } from '../../ipc/error-words.ts';
import { focusAndAnnounce } from '../../state/announce-store.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { CONFIRM_KEYS } from '../../ui/Modal.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { VerifyPanel } from '../verify/VerifyPanel.tsx';
import { HolderPicker, SharedResetNote } from './SharedReset.tsx';

export interface ActionFormValues {
  reason: string;
  ticket: string;
  /** The holder on the phone (reset-shared-login); empty otherwise. */
  holderId: string;
}

interface Props {
  info: { explains: string; confirm: string; needsVerification: boolean; changesPassword: boolean };
  view: AccountView;
  connectionId: string;
  verification: VerificationResult | undefined;
  askTicket: boolean;
  /** A shared-login reset: ask which holder is calling; `onConvert` offers conversion instead. */
  sharedReset?: { onConvert: (() => void) | undefined };
  /** Changes no caller asked for (holders, roles, conversions): no verification line. */
  hideVerification?: boolean;
  pending: boolean;
  error: unknown;
  /** After a 412 the retry button takes over. */
  hideSubmit: boolean;
  onSubmit(values: ActionFormValues): void;
  onCancel(): void;
}

/** Before a password changes, what it touches: every product, every session that ends (SPEC §3). */
function Impact({ view }: { view: AccountView }) {
  const { products, liveSessions } = view.passwordChangeImpact;
  return (
    <div className="impact">
      <h3>What this changes</h3>
      <p>
        The password changes for <strong>{products.join(', ') || 'no product'}</strong>.{' '}
        <strong>{plural(liveSessions, 'session')}</strong> will end, and every reset link dies.
      </p>
      {view.shared && (
        <p>
          Every holder is told who received it, without the password:{' '}
          {view.holders.map((h) => `${h.name} <${h.email}>`).join(', ') || 'no holders recorded'}.
        </p>
      )}
    </div>
  );
}

function Verification({ props }: { props: Props }) {
  const { verification, info, connectionId, view } = props;
  if (verification)
    return (
      <p className="verified">
        <span aria-hidden="true">✓ </span>Caller verified by{' '}
        {verification.method === 'answer' ? 'security answer' : 'emailed code'} (valid until{' '}
        {formatClock(verification.expiresAt)}); recorded with this action, which uses it up.
      </p>
    );
  if (info.needsVerification)
    return <VerifyPanel connectionId={connectionId} view={view} title="Verify the caller first" />;
  return <p className="muted">The caller is not verified; the audit log records that.</p>;
}

/**
 * Issue 15: once the caller is verified the verify panel (and its focused field) goes away, so
 * the focus moves on to the reason. Watched here, not in the panel: by then it is unmounted.
 */
function useFocusOnVerified(verified: boolean, reason: RefObject<HTMLTextAreaElement | null>) {
  const was = useRef(verified);
  useEffect(() => {
    if (verified && !was.current) focusAndAnnounce(reason.current, 'Caller verified; now say why.');
    was.current = verified;
  }, [verified, reason]);
}

/** Why (and the ticket), the verification, and the confirming button. */
export function ActionForm(props: Props) {
  const { info, view, pending, error } = props;
  const id = useId();
  const [reason, setReason] = useState('');
  const [ticket, setTicket] = useState('');
  const [holderId, setHolderId] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [holderError, setHolderError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  useFocusOnVerified(!!props.verification, reasonRef);
  const blocked = info.needsVerification && !props.verification;
  const serverReasonError = errorField(error) === 'reason' ? (error as Error).message : null;
  const serverHolderError = errorField(error) === 'holderId' ? (error as Error).message : null;
  const shownReasonError = reasonError ?? serverReasonError;
  const shownHolderError = holderError ?? serverHolderError;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (props.sharedReset && !holderId) {
      setHolderError('Choose the holder who is on the phone: they receive the new password.');
      document.getElementById(`${id}-holder`)?.focus();
      return;
    }
    setHolderError(null);
    const problem = reasonProblem(reason);
    setReasonError(problem);
    if (problem) {
      reasonRef.current?.focus();
      return;
    }
    props.onSubmit({ reason, ticket, holderId });
  };

  return (
    <>
      {props.sharedReset && (
        <HolderPicker
          id={`${id}-holder`}
          holders={view.holders}
          value={holderId}
          error={shownHolderError}
          onChange={setHolderId}
        />
      )}
      {info.explains && <p>{info.explains}</p>}
      {props.sharedReset && <SharedResetNote onConvert={props.sharedReset.onConvert} />}
      {info.changesPassword && <Impact view={view} />}
      {!props.hideVerification && <Verification props={props} />}
      <form onSubmit={onSubmit} className="action-form" noValidate>
        <label htmlFor={`${id}-reason`}>Why? (goes into the audit log)</label>
        {/* A textarea: Enter starts a new line (a reason may quote the ticket), and a stray Enter
            must not send an action before the ticket is typed; Ctrl/Cmd+Enter confirms. */}
        <textarea
          ref={reasonRef}
          id={`${id}-reason`}
          value={reason}
          rows={2}
          required
          aria-invalid={shownReasonError ? true : undefined}
          aria-describedby={shownReasonError ? `${id}-reason-error` : undefined}
          onChange={(event) => setReason(event.target.value)}
        />
        {shownReasonError && (
          <p id={`${id}-reason-error`} className="field-error">
            {shownReasonError}
          </p>
        )}
        {props.askTicket && (
          <>
            <label htmlFor={`${id}-ticket`}>Ticket number (optional)</label>
            <input
              id={`${id}-ticket`}
              value={ticket}
              autoComplete="off"
              onChange={(event) => setTicket(event.target.value)}
            />
          </>
        )}
        {error !== null && error !== undefined && !serverReasonError && !serverHolderError && (
          <ErrorNotice error={error} />
        )}
        {pending && <Progress label="Working with the service…" />}
        <div className="buttons">
          <button type="button" onClick={props.onCancel} disabled={pending}>
            Cancel
          </button>
          {!props.hideSubmit && (
            <button
              type="submit"
              className="primary"
              aria-keyshortcuts={CONFIRM_KEYS}
              disabled={pending || blocked}
            >
              {info.confirm}{' '}
              <span className="key-hint" aria-hidden="true">
                <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
              </span>
            </button>
          )}
        </div>
        {blocked && <p className="muted">Verify the caller above to continue.</p>}
      </form>
    </>
  );
}
