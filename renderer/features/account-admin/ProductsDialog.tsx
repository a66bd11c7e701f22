import { useId, useState } from 'react';
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
  const [chosen, setChosen] = useState<string[] | null>(null);
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
        const list = chosen ?? seen.products.map((p) => p.code);
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
          chosen={chosen ?? seen.products.map((p) => p.code)}
          error={error ?? (server?.field.startsWith('products') ? server.message : null)}
          onChange={(codes) => {
            setChosen(codes);
            setError(null);
          }}
        />
      )}
    </AccountChangeDialog>
  );
}
