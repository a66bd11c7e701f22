import { useEffect, useRef } from 'react';
import type { Product } from '../../../common/api/products.ts';
import { focusAndAnnounce } from '../../state/announce-store.ts';
import { useProductsStore, type RowFocus } from '../../state/products-store.ts';

interface Props {
  products: Product[];
  /** Moves a product one place up (-1) or down (+1). */
  onMove(product: Product, by: -1 | 1): void;
  onEdit(product: Product): void;
  /** A move or a save is under way: another click would act on an old version. */
  busy: boolean;
}

const keyOf = (code: string, control: RowFocus['control']) => `${code}:${control}`;

/**
 * Where the focus goes once the list shows the product where it should be: back to the control
 * used, so a keyboard user moves a product several places by pressing the same button again;
 * at the top or the bottom, the other move button (the one used is disabled there).
 */
function useRowFocus(products: Product[], buttons: Map<string, HTMLButtonElement>): void {
  const focus = useProductsStore((s) => s.focus);
  const focusLater = useProductsStore((s) => s.focusLater);
  useEffect(() => {
    if (!focus) return;
    const product = products.find((p) => p.code === focus.code);
    if (!product) return;
    if (focus.displayOrder !== undefined && product.displayOrder !== focus.displayOrder) return;
    const other = focus.control === 'up' ? 'down' : 'up';
    const wanted = buttons.get(keyOf(focus.code, focus.control));
    const target = wanted?.disabled ? buttons.get(keyOf(focus.code, other)) : wanted;
    const where = `${product.name} is at position ${product.displayOrder} of ${products.length}.`;
    focusAndAnnounce(target, where);
    focusLater(null);
  }, [focus, products, buttons, focusLater]);
}

/** The products in display order, each with its move and change buttons (keyboard operable). */
export function ProductTable({ products, onMove, onEdit, busy }: Props) {
  const buttons = useRef(new Map<string, HTMLButtonElement>()).current;
  useRowFocus(products, buttons);
  const remember = (key: string) => (el: HTMLButtonElement | null) => {
    if (el) buttons.set(key, el);
    else buttons.delete(key);
  };
  // aria-disabled, not disabled, while busy: a disabled button would drop the keyboard focus.
  const act = (work: () => void) => () => {
    if (!busy) work();
  };
  return (
    <table className="product-table">
      <caption>Products in display order</caption>
      <thead>
        <tr>
          <th scope="col" className="position">
            Position
          </th>
          <th scope="col">Name</th>
          <th scope="col">Code</th>
          <th scope="col">Address</th>
          <th scope="col">Order and changes</th>
        </tr>
      </thead>
      <tbody>
        {products.map((p, i) => (
          <tr key={p.code}>
            <td className="position">{p.displayOrder}</td>
            <th scope="row">{p.name}</th>
            <td>
              <code>{p.code}</code>
            </td>
            <td className="address">{p.url || <span className="muted">no address yet</span>}</td>
            <td className="row-actions">
              <button
                type="button"
                ref={remember(keyOf(p.code, 'up'))}
                disabled={i === 0}
                aria-disabled={busy || undefined}
                onClick={act(() => onMove(p, -1))}
              >
                <span aria-hidden="true">↑ </span>Move up
                <span className="visually-hidden"> {p.name}</span>
              </button>
              <button
                type="button"
                ref={remember(keyOf(p.code, 'down'))}
                disabled={i === products.length - 1}
                aria-disabled={busy || undefined}
                onClick={act(() => onMove(p, 1))}
              >
                <span aria-hidden="true">↓ </span>Move down
                <span className="visually-hidden"> {p.name}</span>
              </button>
              <button
                type="button"
                ref={remember(keyOf(p.code, 'edit'))}
                aria-disabled={busy || undefined}
                onClick={act(() => onEdit(p))}
              >
                Change<span className="visually-hidden"> {p.name}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
