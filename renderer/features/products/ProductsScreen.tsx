import { reasonProblem } from '../../../common/api/why.ts';
import { useId, useRef, useState } from 'react';
import type { Product } from '../../../common/api/products.ts';
import { namesInWords } from '../../../common/api/text.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useEditProduct, useProducts } from '../../queries/products.ts';
import { useAnnounceStore } from '../../state/announce-store.ts';
import { useProductsStore } from '../../state/products-store.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { isStale } from './product-errors.ts';
import { ProductClients } from './ProductClients.tsx';
import { ProductForm, type Why } from './ProductForm.tsx';
import { ProductTable } from './ProductTable.tsx';
import './products.css';

const NONE: Product[] = [];

/** Why and the ticket: asked once on this screen, sent with every change made here. */
function useWhy() {
  const [reason, setReason] = useState('');
  const [ticket, setTicket] = useState('');
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const why: Why = () => {
    const problem = reasonProblem(reason);
    setError(problem);
    if (problem) {
      field.current?.focus();
      return null;
    }
    return { reason: reason.trim(), ticket: ticket.trim() || undefined };
  };
  return { reason, setReason, ticket, setTicket, error, field, why };
}

function WhyFields({ state }: { state: ReturnType<typeof useWhy> }) {
  const id = useId();
  return (
    <div className="product-why">
      <div className="field">
        <label htmlFor={`${id}-reason`}>Why? (goes into the audit log)</label>
        <textarea
          id={`${id}-reason`}
          ref={state.field}
          rows={2}
          value={state.reason}
          aria-invalid={state.error ? true : undefined}
          aria-describedby={state.error ? `${id}-reason-error` : `${id}-reason-hint`}
          onChange={(e) => state.setReason(e.target.value)}
        />
        {state.error ? (
          <p id={`${id}-reason-error`} className="field-error">
            {state.error}
          </p>
        ) : (
          <p id={`${id}-reason-hint`} className="hint">
            Sent with every change you make on this screen.
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-ticket`}>Ticket number (optional)</label>
        <input
          id={`${id}-ticket`}
          value={state.ticket}
          autoComplete="off"
          onChange={(e) => state.setTicket(e.target.value)}
        />
      </div>
    </div>
  );
}

/** The products in display order, for super-administrators: add, rename, re-address, reorder. */
export function ProductsScreen({ connection }: { connection: Connection }) {
  const query = useProducts(connection.id);
  const products = query.data?.items ?? NONE;
  const whyState = useWhy();
  const move = useEditProduct();
  const editing = useProductsStore((s) => s.editing);
  const adding = useProductsStore((s) => s.adding);
  const edit = useProductsStore((s) => s.edit);
  const add = useProductsStore((s) => s.add);
  const focusLater = useProductsStore((s) => s.focusLater);
  const addButton = useRef<HTMLButtonElement>(null);
  const say = useAnnounceStore((s) => s.say);
  const editable = products.find((p) => p.code === editing);

  const onMove = (product: Product, by: -1 | 1) => {
    const because = whyState.why();
    if (!because) return;
    const displayOrder = product.displayOrder + by;
    move.mutate(
      { connectionId: connection.id, ...product, displayOrder, ...because },
      {
        onSuccess: () =>
          focusLater({ code: product.code, control: by < 0 ? 'up' : 'down', displayOrder }),
      },
    );
  };
  const done = (verb: string) => (saved: Product) => {
    edit(null);
    add(false);
    say(`${saved.name} ${verb}.`);
    focusLater({ code: saved.code, control: 'edit' });
  };

  return (
    <section aria-labelledby="products-title" className="products">
      <h2 id="products-title">Products · {connection.name}</h2>
      <p>
        The pages name the products in this order:{' '}
        <q>
          one sign-in for{' '}
          {products.length
            ? namesInWords(products.map((p) => p.name))
            : 'your organization’s products'}
        </q>
        .
      </p>
      <WhyFields state={whyState} />
      {query.isPending && <Progress label="Loading the products…" />}
      {query.isError && <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />}
      {move.isError &&
        (isStale(move.error) ? (
          <div className="notice notice-warn" role="alert">
            <p className="notice-headline">The products changed meanwhile</p>
            <p>Nothing was moved. The list now shows them as they are: move again if needed.</p>
          </div>
        ) : (
          <ErrorNotice error={move.error} />
        ))}
      {move.isPending && <Progress label="Moving the product…" />}
      {query.isSuccess && products.length === 0 && <p>There are no products yet.</p>}
      {products.length > 0 && (
        <ProductTable
          products={products}
          busy={move.isPending}
          onMove={onMove}
          onEdit={(p) => edit(p.code)}
        />
      )}
      {editable && (
        <ProductForm
          key={editable.code}
          connectionId={connection.id}
          product={editable}
          count={products.length}
          why={whyState.why}
          onDone={done('saved')}
          onCancel={() => {
            edit(null);
            focusLater({ code: editable.code, control: 'edit' });
          }}
        />
      )}
      {adding ? (
        <ProductForm
          connectionId={connection.id}
          count={products.length}
          why={whyState.why}
          onDone={done('added')}
          onCancel={() => {
            add(false);
            // The button comes back with the next render.
            setTimeout(() => addButton.current?.focus());
          }}
        />
      ) : (
        query.isSuccess && (
          <div className="buttons">
            <button type="button" ref={addButton} onClick={() => add(true)}>
              Add a product
            </button>
          </div>
        )
      )}
      {query.isSuccess && (
        <ProductClients connectionId={connection.id} products={products} why={whyState.why} />
      )}
    </section>
  );
}
