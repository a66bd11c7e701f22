import { useId, useState } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useProducts } from '../../queries/products.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { mayManageProducts } from '../actions/permissions.ts';
import { AccountChangeDialog } from './AccountChangeDialog.tsx';
import { ProductChoice } from './fields.tsx';

interface Props {
  dialog: AccountRef;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/** Chooses the products the account may use (issue 16): the whole list is sent. */
export function ProductsDialog({ dialog, connection, admin, onClose }: Props) {
  const id = useId();
  const products = useProducts(connection.id);
  // What the administrator ticked or unticked, applied to the account as seen: after a 412, a
  // colleague's change to another product stands.
  const [ticks, setTicks] = useState<Record<string, boolean>>({});
  const chosenOf = (seen: AccountView) => {
    const codes = new Set(seen.products.map((p) => p.code));
    for (const [code, on] of Object.entries(ticks)) {
      if (on) codes.add(code);
      else codes.delete(code);
    }
    return [...codes];
  };
  const [error, setError] = useState<string | null>(null);
  return (
    <AccountChangeDialog
      dialog={dialog}
      connection={connection}
      title="Change products"
      explains="The account can sign in to the products ticked here from its next sign-in; a product unticked stops letting it in."
      confirm="Save products"
      stillApplies={(view) => mayManageProducts(admin, view)}
      request={(seen) => {
        const list = chosenOf(seen);
        const before = seen.products.map((p) => p.code);
        if (list.length === before.length && list.every((c) => before.includes(c))) {
          setError('Tick or untick a product first: nothing would change.');
          return null;
        }
        setError(null);
        return { kind: 'products', fields: { products: list } };
      }}
      onClose={onClose}
    >
      {(seen, server) => (
        <ProductChoice
          id={`${id}-products`}
          products={products.data?.items ?? seen.products}
          chosen={chosenOf(seen)}
          error={error ?? (server?.field.startsWith('products') ? server.message : null)}
          onChange={(codes) => {
            const now = chosenOf(seen);
            const changed: Record<string, boolean> = {};
            for (const c of codes) if (!now.includes(c)) changed[c] = true;
            for (const c of now) if (!codes.includes(c)) changed[c] = false;
            setTicks((t) => ({ ...t, ...changed }));
            setError(null);
          }}
        />
      )}
    </AccountChangeDialog>
  );
}
