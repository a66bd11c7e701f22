import { useState } from 'react';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { ConversionPlan } from '../../../common/api/shared-login-routes.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import {
  useCheckUsernames,
  useConversionPlan,
  useConvertSharedLogin,
} from '../../queries/accounts.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { ACTION_CATALOG } from './action-catalog.ts';
import { liveMatch, useVerification } from '../../state/verification-store.ts';
import { ActionForm, type ActionFormValues } from './ActionForm.tsx';
import './admin-dialogs.css';
import { ConversionResult, ReceivesTable, StepHeading, UsernameTable } from './ConversionSteps.tsx';
import { offeredActions } from './permissions.ts';
import { StaleNotice } from './StaleNotice.tsx';
import { staleCurrent, usernameFieldOf, useSeenAccount } from './use-account-change.ts';
import { diffViews } from './view-diff.ts';

type Step = 'review' | 'confirm';

/** The service's sentence without the field it names (`usernames.<id>: …`). */
const withoutField = (message: string) => message.replace(/^usernames\.[^:]+:\s*/, '');

/** True when the account still has the holders the plan was made for (else plan again). */
const sameHolders = (plan: ConversionPlan, holders: Array<{ id: string }>) =>
  holders.map((h) => h.id).join() === plan.holders.map((h) => h.holderId).join();

const suggestions = (plan: ConversionPlan) =>
  Object.fromEntries(plan.holders.map((h) => [h.holderId, h.suggestedUsername]));

interface Props {
  dialog: AccountRef;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/**
 * "Convert to personal accounts" as a guided step (SPEC §2, issue 5): review the holders and
 * choose usernames (suggested, checked for clashes), see what each will receive, confirm with a
 * reason, then the result per holder. A 412 or a clash found at the last moment leads back.
 */
export function ConversionDialog({ dialog, connection, admin, onClose }: Props) {
  const planQuery = useConversionPlan(dialog.connectionId, dialog.accountId);
  const { seen } = useSeenAccount(dialog);
  const title = `Convert to personal accounts: ${seen?.username ?? 'shared login'}`;
  return (
    <Modal title={title} onClose={onClose} accent={connection.colour}>
      <p className="dialog-context">
        <ConnectionBadge connection={connection} /> · {seen?.organization.name} · {seen?.email}
      </p>
      {planQuery.isPending && <Progress label="Reading the holders…" />}
      {planQuery.isError && (
        <ErrorNotice error={planQuery.error} onRetry={() => void planQuery.refetch()} />
      )}
      {planQuery.data && (
        <ConversionSteps plan={planQuery.data} dialog={dialog} admin={admin} onClose={onClose} />
      )}
    </Modal>
  );
}

function ConversionSteps({
  plan,
  dialog,
  admin,
  onClose,
}: {
  plan: ConversionPlan;
  dialog: AccountRef;
  admin: AdminIdentity;
  onClose(): void;
}) {
  const { seen, setSeen, idempotencyKey } = useSeenAccount(dialog);
  const verification = liveMatch(
    useVerification(dialog.connectionId, dialog.accountId),
    Date.now(),
  );
  const [step, setStep] = useState<Step>('review');
  const [usernames, setUsernames] = useState(() => suggestions(plan));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [last, setLast] = useState<ActionFormValues | null>(null);
  const check = useCheckUsernames();
  const convert = useConvertSharedLogin();
  const current = staleCurrent(convert.error);

  const onCheck = () => {
    check.mutate(
      { ...dialog, usernames },
      {
        onSuccess: ({ items }) => {
          const found = Object.fromEntries(
            items.flatMap((i) => (i.problem ? [[i.holderId, i.problem]] : [])),
          );
          setProblems(found);
          if (Object.keys(found).length === 0) setStep('confirm');
        },
      },
    );
  };
  const submit = (values: ActionFormValues, version: number) => {
    setLast(values);
    const ticket = values.ticket.trim() || undefined;
    convert.mutate(
      {
        ...dialog,
        version,
        reason: values.reason.trim(),
        ticket,
        idempotencyKey,
        usernames,
        verificationId: verification?.verificationId,
      },
      {
        onError: (error) => {
          // A name taken since the check: back to the usernames, the clash next to its field.
          const holderId = usernameFieldOf(error);
          if (!holderId) return;
          setProblems({ [holderId]: withoutField(error.message) });
          setStep('review');
          convert.reset();
        },
      },
    );
  };

  if (!seen) return <p>Open the account again, then choose the action.</p>;
  if (convert.data) {
    return (
      <div className="done">
        <StepHeading n={3} title="Result per holder" />
        <p className="done-summary" role="status">
          <span aria-hidden="true">✓ </span>
          {convert.data.summary}
        </p>
        <ConversionResult plan={plan} result={convert.data} />
        <div className="buttons">
          <button type="button" className="primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    );
  }
  if (step === 'review') {
    return (
      <div className="conversion">
        <StepHeading n={1} title="Review the holders and choose usernames" />
        <p>
          Each holder gets a personal account with the same access. The usernames are suggested from
          their addresses; change any of them.
        </p>
        <UsernameTable
          plan={plan}
          usernames={usernames}
          problems={problems}
          onChange={(holderId, username) => {
            setUsernames((u) => ({ ...u, [holderId]: username }));
            setProblems(({ [holderId]: _gone, ...rest }) => rest);
          }}
        />
        {check.isError && <ErrorNotice error={check.error} />}
        {check.isPending && <Progress label="Checking the usernames…" />}
        <div className="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={check.isPending} onClick={onCheck}>
            Check usernames and continue
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="conversion">
      <StepHeading n={2} title="What each holder will receive" />
      <ReceivesTable plan={plan} usernames={usernames} />
      <button type="button" onClick={() => setStep('review')} disabled={convert.isPending}>
        Back to the usernames
      </button>
      {current && (
        <StaleNotice
          changes={diffViews(seen, current)}
          stillApplies={
            offeredActions(admin, current).includes('convert-shared-login') &&
            sameHolders(plan, current.holders)
          }
          busy={convert.isPending}
          onRetry={() => {
            setSeen(current);
            if (last) submit(last, current.version);
          }}
        />
      )}
      <ActionForm
        info={{ ...ACTION_CATALOG['convert-shared-login'], explains: '' }}
        view={seen}
        connectionId={dialog.connectionId}
        verification={verification}
        askTicket
        pending={convert.isPending}
        error={current ? null : convert.error}
        hideSubmit={!!current}
        onSubmit={(values) => submit(values, seen.version)}
        onCancel={onClose}
      />
    </div>
  );
}
