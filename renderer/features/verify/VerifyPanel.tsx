import { useId, useState, type FormEvent } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { VerificationResult } from '../../../common/api/actions.ts';
import { formatClock } from '../../format/time.ts';
import { errorField } from '../../ipc/error-words.ts';
import { useCheckCode, useVerifyCaller } from '../../queries/verification.ts';
import { liveMatch, useVerification } from '../../state/verification-store.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';

const METHOD: Record<VerificationResult['method'], string> = {
  answer: 'security answer',
  email_code: 'emailed code',
};

/** The state of the verification on record, in one sentence. */
function VerificationStatus({ v }: { v: VerificationResult | undefined }) {
  const match = liveMatch(v, Date.now());
  if (match)
    return (
      <p className="verified" role="status">
        <span aria-hidden="true">✓ </span>Caller verified by {METHOD[match.method]}, valid until{' '}
        {formatClock(match.expiresAt)}
      </p>
    );
  if (v?.result === 'no_match')
    return (
      <p className="text-danger" role="status">
        No match. {v.attemptsLeft} attempt{v.attemptsLeft === 1 ? '' : 's'} left.
      </p>
    );
  if (v?.result === 'sent')
    return (
      <p role="status">
        Code sent to {v.sentTo ?? 'the account’s address'}; valid until {formatClock(v.expiresAt)}.
      </p>
    );
  return <p role="status">The caller is not verified yet.</p>;
}

interface Props {
  connectionId: string;
  view: AccountView;
  /** Heading level: 3 in the account view, 3 inside a dialog as well (its title is the h2). */
  title?: string;
}

/**
 * Verify the caller (SPEC §3): type the answer they speak, and the service says match or no
 * match; or email a six-digit code they read back. The typed answer is dropped after the check.
 */
export function VerifyPanel({ connectionId, view, title = 'Verify the caller' }: Props) {
  const id = useId();
  const v = useVerification(connectionId, view.id);
  const verify = useVerifyCaller();
  const check = useCheckCode();
  const [answer, setAnswer] = useState('');
  const [code, setCode] = useState('');
  const base = { connectionId, accountId: view.id };

  const onAnswer = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate({ ...base, method: 'answer', answer }, { onSettled: () => setAnswer('') });
  };
  const onSendCode = () => verify.mutate({ ...base, method: 'email_code' });
  const onCheck = (event: FormEvent) => {
    event.preventDefault();
    if (!v) return;
    check.mutate(
      { ...base, verificationId: v.verificationId, code },
      { onSuccess: () => setCode('') },
    );
  };
  const codePending = v?.method === 'email_code' && v.result !== 'match';
  const error = verify.error ?? check.error;

  return (
    <section className="section verify" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{title}</h3>
      <VerificationStatus v={v} />
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
      </div>
      {codePending && (
        <form onSubmit={onCheck} className="inline-form">
          <label htmlFor={`${id}-code`}>Code the caller reads out</label>
          <div className="row">
            <input
              id={`${id}-code`}
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
