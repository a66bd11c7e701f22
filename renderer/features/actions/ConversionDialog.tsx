import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { ConversionPlan } from '../../../common/api/shared-login-routes.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useConversionPlan } from '../../queries/accounts.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { ACTION_CATALOG } from './action-catalog.ts';
import { ActionForm } from './ActionForm.tsx';
import './admin-dialogs.css';
import { DoneStep, ReceivesTable, ReviewStep, StepHeading } from './ConversionSteps.tsx';
import { offeredActions } from './permissions.ts';
import { StaleNotice } from './StaleNotice.tsx';
import { useSeenAccount } from './use-account-change.ts';
import { useConversion } from './use-conversion.ts';
import { diffViews } from './view-diff.ts';

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

/** True when the account still has the holders the plan was made for (else plan again). */
const sameHolders = (plan: ConversionPlan, holders: Array<{ id: string }>) =>
  holders.map((h) => h.id).join() === plan.holders.map((h) => h.holderId).join();

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
  const flow = useConversion(plan, dialog);
  const { seen, convert, current } = flow;
  if (!seen) return <p>Open the account again, then choose the action.</p>;
  if (convert.data) return <DoneStep plan={plan} result={convert.data} onClose={onClose} />;
  if (flow.step === 'review')
    return (
      <ReviewStep
        plan={plan}
        usernames={flow.usernames}
        problems={flow.problems}
        check={flow.check}
        onChange={flow.rename}
        onContinue={flow.checkAndContinue}
        onClose={onClose}
      />
    );
  return (
    <div className="conversion">
      <StepHeading n={2} title="What each holder will receive" />
      <ReceivesTable plan={plan} usernames={flow.usernames} />
      <button type="button" onClick={() => flow.setStep('review')} disabled={convert.isPending}>
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
          onRetry={flow.retry}
        />
      )}
      <ActionForm
        info={{ ...ACTION_CATALOG['convert-shared-login'], explains: '' }}
        view={seen}
        connectionId={dialog.connectionId}
        verification={flow.verification}
        askTicket
        pending={convert.isPending}
        error={current ? null : convert.error}
        hideSubmit={!!current}
        onSubmit={(values) => flow.submit(values, seen.version)}
        onCancel={onClose}
      />
    </div>
  );
}
