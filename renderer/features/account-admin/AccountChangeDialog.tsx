import { useState, type ReactNode } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { AccountChangeResult } from '../../../common/api/account-admin.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { errorField } from '../../ipc/error-words.ts';
import { useAccountAdminChange } from '../../queries/account-admin.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { ActionForm, type ActionFormValues } from '../actions/ActionForm.tsx';
import '../actions/admin-dialogs.css';
import { StaleNotice } from '../actions/StaleNotice.tsx';
import { staleCurrent, useSeenAccount } from '../actions/use-account-change.ts';
import { diffViews } from '../actions/view-diff.ts';
import './account-admin.css';

/** What a change dialog sends besides why: the IPC call's own fields, or a problem to show first. */
export type ChangeRequest =
  | {
      kind: 'identity';
      fields: { username?: string; email?: string; name?: string; phone?: string };
    }
  | { kind: 'products'; fields: { products: string[] } }
  | { kind: 'move'; fields: { organizationId: string } };

interface Props {
  dialog: AccountRef;
  connection: Connection;
  title: string;
  explains: string;
  confirm: string;
  /** Still possible on the account as it is now (after a 412, say). */
  stillApplies(view: AccountView): boolean;
  /** The fields, given the account as seen and the field the service refused (if any). */
  children(seen: AccountView, serverError: { field: string; message: string } | null): ReactNode;
  /** The request from the fields, or null when a field's own check failed (it shows why). */
  request(seen: AccountView): ChangeRequest | null;
  onClose(): void;
}

/** Changes in words for the done line: "email: a@x → b@x". */
function changeWords(result: AccountChangeResult): string[] {
  return (result.changes ?? []).map((c) => `${c.field}: ${c.from ?? '—'} → ${c.to ?? '—'}`);
}

/**
 * The frame every account-administration dialog shares (issue 16): the account as seen (its
 * version goes in If-Match), the fields, why, and the stale notice after a 412.
 */
export function AccountChangeDialog(p: Props) {
  const { seen, setSeen, idempotencyKey } = useSeenAccount(p.dialog);
  const [last, setLast] = useState<ActionFormValues | null>(null);
  const change = useAccountAdminChange();
  const current = staleCurrent(change.error);
  if (!seen)
    return (
      <Modal title="Account not loaded" onClose={p.onClose}>
        <p>Open the account again, then make the change.</p>
      </Modal>
    );
  const field = errorField(change.error);
  const serverError =
    field && field !== 'reason' && change.error instanceof Error
      ? { field, message: change.error.message }
      : null;
  const submit = (values: ActionFormValues, view: AccountView) => {
    const request = p.request(view);
    if (!request) return;
    setLast(values);
    change.mutate({
      kind: request.kind,
      connectionId: p.dialog.connectionId,
      accountId: p.dialog.accountId,
      version: view.version,
      reason: values.reason.trim(),
      ...(values.ticket.trim() ? { ticket: values.ticket.trim() } : {}),
      idempotencyKey,
      ...request.fields,
    } as Parameters<typeof change.mutate>[0]);
  };
  return (
    <Modal
      title={`${p.title}: ${seen.username}`}
      onClose={p.onClose}
      busy={change.isPending}
      accent={p.connection.colour}
    >
      <p className="dialog-context">
        <ConnectionBadge connection={p.connection} /> · {seen.organization.name} · {seen.email}
      </p>
      {change.isSuccess ? (
        <div className="done">
          <p className="done-summary" role="status">
            <span aria-hidden="true">✓ </span>
            {change.data.summary}
          </p>
          {changeWords(change.data).length > 0 && (
            <ul className="admin-changes">
              {changeWords(change.data).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          <div className="buttons">
            <button type="button" className="primary" onClick={p.onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <>
          {p.children(seen, serverError)}
          {current && (
            <StaleNotice
              changes={diffViews(seen, current)}
              stillApplies={p.stillApplies(current)}
              busy={change.isPending}
              onRetry={() => {
                setSeen(current);
                if (last) submit(last, current);
              }}
            />
          )}
          <ActionForm
            info={{
              explains: p.explains,
              confirm: p.confirm,
              needsVerification: false,
              changesPassword: false,
            }}
            view={seen}
            connectionId={p.dialog.connectionId}
            verification={undefined}
            askTicket
            hideVerification
            pending={change.isPending}
            error={current || serverError ? null : change.error}
            hideSubmit={!!current}
            onSubmit={(values) => submit(values, seen)}
            onCancel={p.onClose}
          />
        </>
      )}
    </Modal>
  );
}
