import { reasonProblem } from '../../../common/api/why.ts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Organization } from '../../../common/api/organizations.ts';
import { IpcFailure } from '../../ipc/latchkey.ts';
import { useEditPolicy } from '../../queries/organizations.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { changedFields, draftOf, policyOf, type PolicyDraft } from './policy-fields.ts';
import { PolicyConflict } from './PolicyConflict.tsx';
import { PolicyInputs } from './PolicyInputs.tsx';

interface Props {
  connectionId: string;
  /** The organization as the service has it now (refetched after a save or a 412). */
  latest: Organization;
}

/** My edits laid over another policy: only the fields I changed from the one I started with. */
function rebase(started: PolicyDraft, mine: PolicyDraft, onto: PolicyDraft): PolicyDraft {
  const merged = { ...onto };
  for (const [key, value] of Object.entries(mine))
    if (JSON.stringify(value) !== JSON.stringify(started[key])) merged[key] = value;
  return merged;
}

/**
 * One organization's policy (SPEC §4): every field, why and the ticket, saved with If-Match of
 * the policy it was read with. A 412 shows what a colleague changed and offers to lay these
 * edits over the new version, or to drop them.
 */
export function PolicyForm({ connectionId, latest }: Props) {
  const id = useId();
  const [base, setBase] = useState(latest);
  const [draft, setDraft] = useState(() => draftOf(latest.policy));
  const [reason, setReason] = useState('');
  const [ticket, setTicket] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const save = useEditPolicy();
  const saveButton = useRef<HTMLButtonElement>(null);
  const failure = save.error instanceof IpcFailure ? save.error : null;
  const stale = failure?.code === 'precondition_failed';
  const problem =
    failure?.field?.startsWith('policy.') === true
      ? { field: failure.field, message: failure.message.replace(/^policy\.\w+:\s*/, '') }
      : null;
  const chosen = useRef(false);
  // Once the agent has chosen and the notice (with the focus) is gone, the focus goes to Save.
  useEffect(() => {
    if (stale) chosen.current = true;
    else if (chosen.current && !save.isPending) {
      chosen.current = false;
      saveButton.current?.focus();
    }
  }, [stale, save.isPending]);

  const send = (organization: Organization, values: PolicyDraft) => {
    const problem = reasonProblem(reason);
    setReasonError(problem);
    if (problem) return;
    save.mutate(
      {
        connectionId,
        organizationId: organization.id,
        etag: organization.etag,
        policy: policyOf(organization.policy, values),
        reason: reason.trim(),
        ticket: ticket.trim() || undefined,
      },
      {
        onSuccess: (saved) => {
          setBase(saved);
          setDraft(draftOf(saved.policy));
        },
      },
    );
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send(base, draft);
  };
  const applyOnNew = () => {
    const merged = rebase(draftOf(base.policy), draft, draftOf(latest.policy));
    setBase(latest);
    setDraft(merged);
    send(latest, merged);
  };
  const discard = () => {
    setBase(latest);
    setDraft(draftOf(latest.policy));
    save.reset();
  };

  return (
    <form
      className="policy-form"
      onSubmit={onSubmit}
      noValidate
      aria-label={`Policy of ${base.name}`}
    >
      {save.isSuccess && (
        <p className="done-summary" role="status">
          <span aria-hidden="true">✓ </span>Policy of {base.name} saved. It applies from the next
          sign-in, reset or lockout.
        </p>
      )}
      <PolicyInputs
        idPrefix={id}
        draft={draft}
        problem={problem}
        onChange={(key, value) => setDraft((d) => ({ ...d, [key]: value }))}
      />
      <label htmlFor={`${id}-reason`}>Why? (goes into the audit log)</label>
      <textarea
        id={`${id}-reason`}
        rows={2}
        value={reason}
        aria-invalid={reasonError ? true : undefined}
        aria-describedby={reasonError ? `${id}-reason-error` : undefined}
        onChange={(e) => setReason(e.target.value)}
      />
      {reasonError && (
        <p id={`${id}-reason-error`} className="field-error">
          {reasonError}
        </p>
      )}
      <label htmlFor={`${id}-ticket`}>Ticket number (optional)</label>
      <input
        id={`${id}-ticket`}
        value={ticket}
        autoComplete="off"
        onChange={(e) => setTicket(e.target.value)}
      />
      {failure && !stale && !problem && <ErrorNotice error={failure} />}
      {save.isPending && <Progress label="Saving the policy…" />}
      {stale && (
        <PolicyConflict
          changed={changedFields(base.policy, latest.policy)}
          pending={save.isPending}
          onApply={applyOnNew}
          onDiscard={discard}
        />
      )}
      <div className="buttons">
        <button
          ref={saveButton}
          type="submit"
          className="primary"
          disabled={save.isPending || stale}
        >
          Save policy
        </button>
      </div>
    </form>
  );
}
