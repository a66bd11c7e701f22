import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { ActionResult, VerificationResult } from '../../../common/api/actions.ts';
import { END_CALL_KEYS } from '../../app/shortcuts.ts';
import { focusAndAnnounce } from '../../state/announce-store.ts';
import { formatClock } from '../../format/time.ts';
import { errorField } from '../../ipc/error-words.ts';
import { useCheckCode, useVerifyCaller } from '../../queries/verification.ts';
import {
  liveMatch,
  useVerification,
  useVerificationEnd,
  useVerificationStore,
  type VerificationEnd,
} from '../../state/verification-store.ts';
import { ACTION_CATALOG } from '../actions/action-catalog.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';

const METHOD: Record<VerificationResult['method'], string> = {
  answer: 'security answer',
  email_code: 'emailed code',
};

/** Words for the action that used a verification: the action bar's own labels. */
const actionWords = (action: ActionResult['action']): string =>
  action === 'set-holders'
    ? 'Edit holders'
    : action === 'resend-mail'
      ? 'Resend email'
      : ACTION_CATALOG[action].label;

/** The state of the verification on record, in one sentence. */
function statusOf(v: VerificationResult | undefined, end: VerificationEnd | undefined) {
  const match = liveMatch(v, Date.now());
  if (match)
    return (
      <>
        <span aria-hidden="true">✓ </span>Caller verified by {METHOD[match.method]}, valid until{' '}
        {formatClock(match.expiresAt)}
      </>
    );
  if (v?.result === 'no_match')
    return `No match. ${v.attemptsLeft} attempt${v.attemptsLeft === 1 ? '' : 's'} left.`;
  if (v?.result === 'sent')
    return `Code sent to ${v.sentTo ?? 'the account’s address'}; valid until ${formatClock(v.expiresAt)}.`;
  // One verification, one action; a new call starts unverified (SPEC §3).
  if (end?.kind === 'used')
    return `Verification used for ${actionWords(end.action)}. The caller is not verified now.`;
  if (end?.kind === 'call-ended') return 'Call ended. The caller is not verified now.';
  return 'The caller is not verified yet.';
}

/** One live region whose words change, so a screen reader hears each new state (and "Call ended"). */
function VerificationStatus({
  v,
  end,
}: {
  v: VerificationResult | undefined;
  end?: VerificationEnd;
}) {
  const className = liveMatch(v, Date.now())
    ? 'verified'
    : v?.result === 'no_match'
      ? 'text-danger'
      : undefined;
  return (
    <p className={className} role="status">
      {statusOf(v, end)}
    </p>
  );
}

/** Ends the call: the verification is forgotten and the status says so (SPEC §3). */
function EndCallButton({ connectionId, accountId }: { connectionId: string; accountId: string }) {
  return (
    <button
      type="button"
      aria-keyshortcuts={END_CALL_KEYS}
      onClick={() => useVerificationStore.getState().endCall(connectionId, accountId)}
    >
      End call{' '}
      <span aria-hidden="true">
        <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>E</kbd>
      </span>
    </button>
  );
}

interface Props {
  connectionId: string;
  view: AccountView;
  /** Heading level: 3 in the account view, 3 inside a dialog as well (its title is the h2). */
  title?: string;
  /** The account view's panel offers "End call"; the one inside an action's dialog does not. */
  endCall?: boolean;
  /** Where the focus goes once the caller is verified (issue 15): the next step. */
  onVerified?: () => void;
}

/**
 * Verify the caller (SPEC §3): type the answer they speak, and the service says match or no
 * match; or email a six-digit code they read back. The typed answer is dropped after the check.
 */
export function VerifyPanel({
  connectionId,
  view,
  title = 'Verify the caller',
  endCall = false,
  onVerified,
}: Props) {
  const id = useId();
  const v = useVerification(connectionId, view.id);
  const end = useVerificationEnd(connectionId, view.id);
  const verify = useVerifyCaller();
  const check = useCheckCode();
  const [answer, setAnswer] = useState('');
  const [code, setCode] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);
  const [codeSent, setCodeSent] = useState(0);
  const base = { connectionId, accountId: view.id };
  const { reset: resetVerify } = verify;
  const { reset: resetCheck } = check;
  // A verification that ended (used, or the call ended) takes what was typed for it along.
  useEffect(() => {
    if (!end) return;
    resetVerify();
    resetCheck();
    setAnswer('');
    setCode('');
  }, [end, resetVerify, resetCheck]);

  // Issue 15: once the code is sent its field (rendered by then) takes the focus.
  useEffect(() => {
    if (codeSent > 0)
      focusAndAnnounce(codeRef.current, 'Code sent; type the code the caller reads out.');
  }, [codeSent]);

  const onAnswer = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate(
      { ...base, method: 'answer', answer },
      {
        onSettled: () => setAnswer(''),
        onSuccess: (result) => {
          if (result.result === 'match') onVerified?.();
        },
      },
    );
  };
  const onSendCode = () =>
    verify.mutate(
      { ...base, method: 'email_code' },
      { onSuccess: () => setCodeSent((n) => n + 1) },
    );
  const onCheck = (event: FormEvent) => {
    event.preventDefault();
    if (!v) return;
    check.mutate(
      { ...base, verificationId: v.verificationId, code },
      {
        onSuccess: (result) => {
          setCode('');
          if (result.result === 'match') onVerified?.();
        },
      },
    );
  };
  const codePending = v?.method === 'email_code' && v.result !== 'match';
  const error = verify.error ?? check.error;

  return (
    <section className="section verify" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{title}</h3>
      <VerificationStatus v={v} end={end} />
      {view.securityQuestion ? (
        <form onSubmit={onAnswer} className="inline-form">
          <label htmlFor={`${id}-answer`}>
            Answer the caller gives to <q>{view.securityQuestion}</q>
          </label>
          <div className="row">
            <input
              id={`${id}-answer`}
              value={answer}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={errorField(verify.error) === 'answer' || undefined}
              onChange={(event) => setAnswer(event.target.value)}
            />
            <button type="submit" disabled={verify.isPending || answer.trim() === ''}>
              Check answer
            </button>
          </div>
        </form>
      ) : (
        <p>No security question: verify with an emailed code.</p>
      )}
      <div className="row">
        <button type="button" onClick={onSendCode} disabled={verify.isPending}>
          {codePending ? 'Email a new code' : 'Email a code'}
        </button>
        {endCall && <EndCallButton connectionId={connectionId} accountId={view.id} />}
      </div>
      {codePending && (
        <form onSubmit={onCheck} className="inline-form">
          <label htmlFor={`${id}-code`}>Code the caller reads out</label>
          <div className="row">
            <input
              id={`${id}-code`}
              ref={codeRef}
              value={code}
              inputMode="numeric"
              autoComplete="off"
              maxLength={6}
              onChange={(event) => setCode(event.target.value.replace(/\D/g, ''))}
            />
            <button type="submit" disabled={check.isPending || code.length !== 6}>
              Check code
            </button>
          </div>
        </form>
      )}
      {(verify.isPending || check.isPending) && <p role="status">Checking with the service…</p>}
      {error && <ErrorNotice error={error} />}
    </section>
  );
}
