import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { IpcFailure } from '../../ipc/latchkey.ts';
import { accountKeys, useAct, useResendMail } from '../../queries/accounts.ts';
import { useDialogStore, type ActionDialogState as DialogState } from '../../state/dialog-store.ts';
import { liveMatch, useVerification } from '../../state/verification-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { ACTION_CATALOG } from './action-catalog.ts';
import { ActionDone } from './ActionDone.tsx';
import { ActionForm, type ActionFormValues } from './ActionForm.tsx';
import { offeredActions, mayResend } from './permissions.ts';
import { StaleNotice } from './StaleNotice.tsx';
import { useAccountRecheck } from './use-account-change.ts';
import { diffViews } from './view-diff.ts';

/** What the dialog says about its action: the catalog entry, or the resend of one email. */
function describe(dialog: DialogState, view: AccountView) {
  if (dialog.kind === 'action') return ACTION_CATALOG[dialog.action];
  const mail = view.emails.find((m) => m.id === dialog.mailId);
  return {
    label: 'Resend email',
    confirm: 'Resend email',
    explains: `Queues “${mail?.subject ?? 'the email'}” to ${mail?.to ?? 'its address'} again.`,
    needsVerification: false,
    changesPassword: false,
  };
}

const accountRef = (d: DialogState) => ({ connectionId: d.connectionId, accountId: d.accountId });

/** Whether the action still makes sense on the account as it is now (after a 412). */
function stillApplies(dialog: DialogState, admin: AdminIdentity, view: AccountView): boolean {
  if (dialog.kind === 'action') return offeredActions(admin, view).includes(dialog.action);
  return (
    mayResend(admin, view) &&
    view.emails.some((m) => m.id === dialog.mailId && m.status === 'failed')
  );
}

/**
 * The call behind a dialog: one idempotency key for its life (a double click or a retry acts
 * once), the version the agent saw, and after a 412 the account as it is now.
 */
function useDialogAction(dialog: DialogState, verificationId: string | undefined) {
  const qc = useQueryClient();
  const [seen, setSeen] = useState(() =>
    qc.getQueryData<AccountView>(accountKeys.view(dialog.connectionId, dialog.accountId)),
  );
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const act = useAct();
  const resend = useResendMail();
  const last = useRef<ActionFormValues | null>(null);
  const resets = useRef([act.reset, resend.reset]);
  // Closing forgets the answer: no temporary password stays in the mutation cache.
  useEffect(() => () => resets.current.forEach((reset) => reset()), []);

  const mutation = dialog.kind === 'action' ? act : resend;
  const submit = (values: ActionFormValues, version: number) => {
    last.current = values;
    const base = { connectionId: dialog.connectionId, accountId: dialog.accountId, version };
    const reason = values.reason.trim();
    if (dialog.kind === 'action') {
      const ticket = values.ticket.trim() || undefined;
      const holderId = values.holderId || undefined;
      act.mutate({
        ...base,
        action: dialog.action,
        reason,
        ticket,
        verificationId,
        holderId,
        idempotencyKey,
      });
    } else {
      resend.mutate({ ...base, mailId: dialog.mailId, reason, idempotencyKey });
    }
  };
  const failure = mutation.error;
  const current =
    failure instanceof IpcFailure && failure.code === 'precondition_failed'
      ? failure.current
      : undefined;
  const retry = () => {
    if (!current || !last.current) return;
    setSeen(current);
    submit(last.current, current.version);
  };
  const recheck = useAccountRecheck(dialog, seen, setSeen);
  const [checking, setChecking] = useState(false);
  // Issue 15: the account is checked right before sending; what changed is shown first.
  const send = async (values: ActionFormValues) => {
    last.current = values;
    setChecking(true);
    const version = await recheck.versionToSend().finally(() => setChecking(false));
    if (version !== undefined) submit(values, version);
  };
  // The dialog's own action moves the version too: no notice while it runs or once it is done.
  const moved = mutation.isPending || mutation.data ? undefined : recheck.moved;
  return { seen, mutation, send, checking, moved, accept: recheck.accept, current, retry };
}

interface Props {
  dialog: DialogState;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/**
 * One action on one account: it carries the caller's verification, asks why, shows what a
 * password change touches, explains a 412 and retries on the new version, and confirms with
 * the service's own summary. The answer (maybe a temporary password) dies with the dialog.
 */
export function ActionDialog({ dialog, connection, admin, onClose }: Props) {
  const verification = liveMatch(
    useVerification(dialog.connectionId, dialog.accountId),
    Date.now(),
  );
  const { seen, mutation, send, checking, moved, accept, current, retry } = useDialogAction(
    dialog,
    verification?.verificationId,
  );
  const openDialog = useDialogStore((s) => s.open);
  if (!seen) {
    return (
      <Modal title="Account not loaded" onClose={onClose}>
        <p>Open the account again, then choose the action.</p>
      </Modal>
    );
  }
  const info = describe(dialog, seen);
  const failure = mutation.error;
  const sharedReset = dialog.kind === 'action' && dialog.action === 'reset-shared-login';

  return (
    <Modal
      title={`${info.label}: ${seen.username}`}
      onClose={onClose}
      busy={mutation.isPending}
      accent={connection.colour}
    >
      <p className="dialog-context">
        <ConnectionBadge connection={connection} /> · {seen.organization.name} · {seen.email}
      </p>
      {mutation.data ? (
        <ActionDone result={mutation.data} onClose={onClose} />
      ) : (
        <>
          {current && (
            <StaleNotice
              changes={diffViews(seen, current)}
              stillApplies={stillApplies(dialog, admin, current)}
              busy={mutation.isPending}
              onRetry={retry}
            />
          )}
          {!current && moved && (
            <StaleNotice
              changes={moved.changes}
              stillApplies={stillApplies(dialog, admin, moved.current)}
              busy={checking}
              refused={false}
              onRetry={accept}
            />
          )}
          <ActionForm
            info={info}
            view={seen}
            connectionId={dialog.connectionId}
            verification={verification}
            askTicket={dialog.kind === 'action'}
            {...(sharedReset && {
              sharedReset: {
                onConvert: offeredActions(admin, seen).includes('convert-shared-login')
                  ? () => openDialog({ ...accountRef(dialog), kind: 'convert' })
                  : undefined,
              },
            })}
            pending={mutation.isPending || checking}
            error={current ? null : failure}
            hideSubmit={!!current || !!moved}
            onSubmit={(values) => void send(values)}
            onCancel={onClose}
          />
        </>
      )}
    </Modal>
  );
}
