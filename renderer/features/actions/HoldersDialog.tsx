import { useState } from 'react';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { errorField } from '../../ipc/error-words.ts';
import { useSetHolders } from '../../queries/accounts.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { ActionDone } from './ActionDone.tsx';
import { liveMatch, useVerification } from '../../state/verification-store.ts';
import { ActionForm, type ActionFormValues } from './ActionForm.tsx';
import './admin-dialogs.css';
import { HolderRows, type HolderDraft } from './HolderRows.tsx';
import { mayEditHolders } from './permissions.ts';
import { StaleNotice } from './StaleNotice.tsx';
import { staleCurrent, useSeenAccount } from './use-account-change.ts';
import { diffViews } from './view-diff.ts';

const INFO = {
  explains:
    'Replaces the list of people who share this login. Every holder is told of each password change; an owner alone opens the forgotten-password flow.',
  confirm: 'Save holders',
  needsVerification: false,
  changesPassword: false,
};

interface Props {
  dialog: AccountRef;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/** Edits the holders of a shared login: names, addresses, phones, the owner; why; 412 handled. */
export function HoldersDialog({ dialog, connection, admin, onClose }: Props) {
  const { seen, setSeen, idempotencyKey } = useSeenAccount(dialog);
  const verification = liveMatch(
    useVerification(dialog.connectionId, dialog.accountId),
    Date.now(),
  );
  const [rows, setRows] = useState<HolderDraft[]>(
    () =>
      seen?.holders.map((h) => ({
        name: h.name,
        email: h.email,
        phone: h.phone,
        isOwner: h.isOwner,
      })) ?? [],
  );
  const [last, setLast] = useState<ActionFormValues | null>(null);
  const save = useSetHolders();
  const current = staleCurrent(save.error);
  if (!seen)
    return (
      <Modal title="Account not loaded" onClose={onClose}>
        <p>Open the account again, then edit the holders.</p>
      </Modal>
    );
  const submit = (values: ActionFormValues, version: number) => {
    setLast(values);
    save.mutate({
      ...dialog,
      version,
      reason: values.reason.trim(),
      ticket: values.ticket.trim() || undefined,
      idempotencyKey,
      verificationId: verification?.verificationId,
      holders: rows.map((r) => ({ ...r, name: r.name.trim(), email: r.email.trim() })),
    });
  };
  return (
    <Modal
      title={`Edit holders: ${seen.username}`}
      onClose={onClose}
      busy={save.isPending}
      accent={connection.colour}
    >
      <p className="dialog-context">
        <ConnectionBadge connection={connection} /> · {seen.organization.name} · {seen.email}
      </p>
      {save.data ? (
        <ActionDone result={save.data} onClose={onClose} />
      ) : (
        <>
          <HolderRows
            rows={rows}
            onChange={setRows}
            errorField={errorField(save.error)}
            error={save.error}
          />
          {current && (
            <StaleNotice
              changes={diffViews(seen, current)}
              stillApplies={mayEditHolders(admin, current)}
              busy={save.isPending}
              onRetry={() => {
                setSeen(current);
                if (last) submit(last, current.version);
              }}
            />
          )}
          <ActionForm
            info={INFO}
            view={seen}
            connectionId={dialog.connectionId}
            verification={verification}
            askTicket
            pending={save.isPending}
            error={current || errorField(save.error)?.startsWith('holders') ? null : save.error}
            hideSubmit={!!current}
            onSubmit={(values) => submit(values, seen.version)}
            onCancel={onClose}
          />
        </>
      )}
    </Modal>
  );
}
