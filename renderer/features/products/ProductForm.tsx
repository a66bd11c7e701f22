import { useId, useState, type FormEvent } from 'react';
import type { Product } from '../../../common/api/products.ts';
import { useAddProduct, useEditProduct } from '../../queries/products.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { fieldProblem, isStale } from './product-errors.ts';
import { ProductField } from './ProductField.tsx';

/** Why a change is made, from the screen's own fields; null (and the focus there) when missing. */
export type Why = () => { reason: string; ticket: string | undefined } | null;

interface Props {
  connectionId: string;
  /** The product to change; none to add one. */
  product?: Product;
  /** How many products there are now (a new one may go anywhere from 1 to one more). */
  count: number;
  why: Why;
  onDone(saved: Product): void;
  onCancel(): void;
}

/** Adds a product, or renames and re-addresses one; each refusal is shown under its field. */
export function ProductForm({ connectionId, product, count, why, onDone, onCancel }: Props) {
  const id = useId();
  const [code, setCode] = useState('');
  const [name, setName] = useState(product?.name ?? '');
  const [url, setUrl] = useState(product?.url ?? '');
  const [position, setPosition] = useState('');
  const add = useAddProduct();
  const edit = useEditProduct();
  const change = product ? edit : add;
  const problem = fieldProblem(change.error);
  const errorOf = (field: string) => (problem?.field === field ? problem.message : undefined);
  // Why and the ticket are the screen's fields; a refusal of them is told here, as a notice.
  const ownField = problem !== null && problem.field !== 'reason' && problem.field !== 'ticket';
  const title = product ? `Change ${product.name}` : 'Add a product';

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const because = why();
    if (!because) return;
    if (product) {
      edit.mutate(
        {
          connectionId,
          code: product.code,
          etag: product.etag,
          name,
          url,
          ...because,
          displayOrder: product.displayOrder,
        },
        { onSuccess: onDone },
      );
      return;
    }
    const displayOrder = position.trim() === '' ? undefined : Number(position);
    add.mutate(
      {
        connectionId,
        code,
        name,
        url,
        ...because,
        ...(displayOrder !== undefined ? { displayOrder } : {}),
      },
      { onSuccess: onDone },
    );
  };

  return (
    <form className="card product-form" onSubmit={onSubmit} noValidate aria-label={title}>
      <h3>{title}</h3>
      {!product && (
        <ProductField
          id={`${id}-code`}
          label="Code"
          hint="How imports and clients name it: letters, digits, . _ or -, such as emresource. It cannot change later."
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={errorOf('code')}
          autoFocus
        />
      )}
      <ProductField
        id={`${id}-name`}
        label="Name"
        hint="As people know it: the pages name the product this way."
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errorOf('name')}
        autoFocus={Boolean(product)}
      />
      <ProductField
        id={`${id}-url`}
        label="Address"
        hint="The product’s web address, such as https://emresource.example.org/."
        type="url"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={errorOf('url')}
      />
      {!product && (
        <ProductField
          id={`${id}-position`}
          label="Position (optional)"
          hint={`1 puts it first; left empty, it goes last (${count + 1}).`}
          inputMode="numeric"
          value={position}
          onChange={(e) => setPosition(e.target.value)}
          error={errorOf('displayOrder')}
        />
      )}
      {isStale(change.error) && (
        <div className="notice notice-warn" role="alert">
          <p className="notice-headline">{product?.name ?? 'The product'} changed meanwhile</p>
          <p>Nothing was saved. The list now shows it as it is: check it, then save again.</p>
        </div>
      )}
      {change.isError && !ownField && !isStale(change.error) && (
        <ErrorNotice error={change.error} />
      )}
      {change.isPending && (
        <Progress label={product ? 'Saving the product…' : 'Adding the product…'} />
      )}
      <div className="buttons">
        <button type="submit" className="primary" disabled={change.isPending}>
          {product ? 'Save product' : 'Add product'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
