import { useRef } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { ActionName } from '../../../common/api/actions.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { useDialogStore, type DialogState } from '../../state/dialog-store.ts';
import { ACTION_CATALOG } from './action-catalog.ts';
import { altKeys, HOLDERS_KEY, useActionShortcuts } from './action-shortcuts.ts';
import {
  mayEditHolders,
  mayEditIdentity,
  mayManageProducts,
  mayMove,
  offeredActions,
  whyNoActions,
} from './permissions.ts';

/** The dialog an action opens: the guided conversion has its own, every other the generic one. */
const dialogOf = (action: ActionName, connectionId: string, accountId: string): DialogState =>
  action === 'convert-shared-login'
    ? { kind: 'convert', connectionId, accountId }
    : { kind: 'action', action, connectionId, accountId };

/** A button's shortcut, shown; screen readers hear aria-keyshortcuts instead. */
function KeyHint({ letter }: { letter: string }) {
  return (
    <span className="key-hint" aria-hidden="true">
      <kbd>Alt</kbd>+<kbd>{letter}</kbd>
    </span>
  );
}

/** The actions this administrator may take on this account now; nothing else is offered. */
export function ActionBar({
  connectionId,
  view,
  admin,
}: {
  connectionId: string;
  view: AccountView;
  admin: AdminIdentity;
}) {
  const open = useDialogStore((s) => s.open);
  const bar = useRef<HTMLDivElement>(null);
  useActionShortcuts(bar);
  const offered = offeredActions(admin, view);
  const why = whyNoActions(admin, view);
  const holders = mayEditHolders(admin, view);
  // Issue 16: account administration, each offered only with its permission.
  const changes = [
    ...(mayEditIdentity(admin, view)
      ? [{ kind: 'identity' as const, label: 'Edit identity' }]
      : []),
    ...(mayManageProducts(admin, view)
      ? [{ kind: 'products' as const, label: 'Change products' }]
      : []),
    ...(mayMove(admin, view) ? [{ kind: 'move' as const, label: 'Move organization' }] : []),
  ];
  return (
    <section className="section actions" aria-labelledby="actions-heading">
      <h3 id="actions-heading">Actions</h3>
      {why && <p>{why}</p>}
      {!why && offered.length === 0 && !holders && changes.length === 0 && (
        <p>No action applies to this account as it is now.</p>
      )}
      <div className="action-buttons" ref={bar}>
        {offered.map((action) => (
          <button
            key={action}
            type="button"
            className={ACTION_CATALOG[action].administrative ? 'admin-action' : undefined}
            aria-keyshortcuts={altKeys(ACTION_CATALOG[action].key)}
            onClick={() => open(dialogOf(action, connectionId, view.id))}
          >
            {ACTION_CATALOG[action].label} <KeyHint letter={ACTION_CATALOG[action].key} />
          </button>
        ))}
        {holders && (
          <button
            type="button"
            className="admin-action"
            aria-keyshortcuts={altKeys(HOLDERS_KEY)}
            onClick={() => open({ kind: 'holders', connectionId, accountId: view.id })}
          >
            Edit holders <KeyHint letter={HOLDERS_KEY} />
          </button>
        )}
        {changes.map((c) => (
          <button
            key={c.kind}
            type="button"
            className="admin-action"
            onClick={() => open({ kind: c.kind, connectionId, accountId: view.id })}
          >
            {c.label}
          </button>
        ))}
      </div>
    </section>
  );
}
