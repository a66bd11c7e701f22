import type { UseMutationResult } from '@tanstack/react-query';
import type { ActionResult } from '../../../common/api/actions.ts';
import type { ConversionPlan } from '../../../common/api/shared-login-routes.ts';
import { plural } from '../../format/time.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';

/** The step the guided conversion is at, as its heading says. */
export function StepHeading({ n, title }: { n: number; title: string }) {
  return (
    <h3 className="conversion-step">
      Step {n} of 3: {title}
    </h3>
  );
}

interface ReviewProps {
  plan: ConversionPlan;
  usernames: Record<string, string>;
  problems: Record<string, string>;
  onChange(holderId: string, username: string): void;
}

/** Step 1: every holder, with a username to choose (the suggestion filled in) and its problem. */
export function UsernameTable({ plan, usernames, problems, onChange }: ReviewProps) {
  return (
    <table className="conversion-table">
      <caption>Holders of {plan.username}</caption>
      <thead>
        <tr>
          <th scope="col">Holder</th>
          <th scope="col">Email</th>
          <th scope="col">New username</th>
        </tr>
      </thead>
      <tbody>
        {plan.holders.map((h) => {
          const problem = problems[h.holderId];
          const inputId = `username-${h.holderId}`;
          return (
            <tr key={h.holderId}>
              <th scope="row">
                {h.name}
                {h.isOwner && <span className="muted"> (owner)</span>}
              </th>
              <td>{h.email}</td>
              <td>
                <label htmlFor={inputId} className="visually-hidden">
                  Username for {h.name}
                </label>
                <input
                  id={inputId}
                  value={usernames[h.holderId] ?? ''}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={problem ? `${inputId}-problem` : `${inputId}-hint`}
                  onChange={(event) => onChange(h.holderId, event.target.value)}
                />
                {problem ? (
                  <p id={`${inputId}-problem`} className="field-error">
                    {problem}
                  </p>
                ) : (
                  <p id={`${inputId}-hint`} className="muted">
                    Suggested: {h.suggestedUsername}
                  </p>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Step 2: what each holder will receive, before anything happens. */
export function ReceivesTable({
  plan,
  usernames,
}: {
  plan: ConversionPlan;
  usernames: Record<string, string>;
}) {
  const products = plan.products.join(', ') || 'no product';
  return (
    <>
      <table className="conversion-table">
        <caption>What each holder will receive</caption>
        <thead>
          <tr>
            <th scope="col">Holder</th>
            <th scope="col">Personal account</th>
            <th scope="col">Products</th>
            <th scope="col">Invitation</th>
          </tr>
        </thead>
        <tbody>
          {plan.holders.map((h) => (
            <tr key={h.holderId}>
              <th scope="row">{h.name}</th>
              <td>{usernames[h.holderId]}</td>
              <td>{products}</td>
              <td>
                A set-up-password link emailed to {h.email}, valid{' '}
                {plural(plan.inviteValidHours, 'hour')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Then the shared login <strong>{plan.username}</strong> is disabled: it can no longer sign
        in, and its sessions and reset links end. All of it happens together, or none of it.
      </p>
    </>
  );
}

/** Step 3: the result for each holder, in the service's words. */
export function ConversionResult({ plan, result }: { plan: ConversionPlan; result: ActionResult }) {
  const created = result.createdAccounts ?? [];
  return (
    <ul className="conversion-result" aria-label="Result per holder">
      {plan.holders.map((h) => {
        const account = created.find((a) => a.email === h.email);
        return (
          <li key={h.holderId}>
            <span aria-hidden="true">{account ? '✓ ' : '✗ '}</span>
            {account
              ? `${h.name}: account ${account.username} created; invitation emailed to ${account.email}`
              : `${h.name}: no account was created`}
          </li>
        );
      })}
    </ul>
  );
}

/** Step 1 as a whole: the table, the check's progress or failure, and continue. */
export function ReviewStep({
  check,
  onContinue,
  onClose,
  ...table
}: ReviewProps & {
  check: Pick<UseMutationResult<unknown, Error, never>, 'isPending' | 'isError' | 'error'>;
  onContinue(): void;
  onClose(): void;
}) {
  return (
    <div className="conversion">
      <StepHeading n={1} title="Review the holders and choose usernames" />
      <p>
        Each holder gets a personal account with the same access. The usernames are suggested from
        their addresses; change any of them.
      </p>
      <UsernameTable {...table} />
      {check.isError && <ErrorNotice error={check.error} />}
      {check.isPending && <Progress label="Checking the usernames…" />}
      <div className="buttons">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={check.isPending} onClick={onContinue}>
          Check usernames and continue
        </button>
      </div>
    </div>
  );
}

/** Step 3 as a whole: the service's summary, the result per holder, close. */
export function DoneStep({
  plan,
  result,
  onClose,
}: {
  plan: ConversionPlan;
  result: ActionResult;
  onClose(): void;
}) {
  return (
    <div className="done">
      <StepHeading n={3} title="Result per holder" />
      <p className="done-summary" role="status">
        <span aria-hidden="true">✓ </span>
        {result.summary}
      </p>
      <ConversionResult plan={plan} result={result} />
      <div className="buttons">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
