import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { useDialogStore } from '../../state/dialog-store.ts';
import { ACTION_CATALOG } from './action-catalog.ts';
import { offeredActions, whyNoActions } from './permissions.ts';

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
  const offered = offeredActions(admin, view);
  const why = whyNoActions(admin, view);
  return (
    <section className="section actions" aria-labelledby="actions-heading">
      <h3 id="actions-heading">Actions</h3>
      {why && <p>{why}</p>}
      {!why && offered.length === 0 && <p>No action applies to this account as it is now.</p>}
      <div className="action-buttons">
        {offered.map((action) => (
          <button
            key={action}
            type="button"
            className={ACTION_CATALOG[action].administrative ? 'admin-action' : undefined}
            onClick={() => open({ kind: 'action', action, connectionId, accountId: view.id })}
          >
            {ACTION_CATALOG[action].label}
          </button>
        ))}
      </div>
    </section>
  );
}
