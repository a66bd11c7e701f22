import { useId, useState, type FormEvent } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { errorField } from '../../ipc/error-words.ts';
import { useAddConnection } from '../../queries/connections.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';

/** Colours that read well as a strip and a dot, and differ from one another. */
const PRESETS = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490'];

/** Adds an account service: a name, its address and a colour of its own. */
export function AddConnectionForm({
  count,
  onAdded,
}: {
  count: number;
  onAdded(connection: Connection): void;
}) {
  const id = useId();
  const add = useAddConnection();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [colour, setColour] = useState(PRESETS[count % PRESETS.length] ?? '#1d4ed8');
  const field = errorField(add.error);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate(
      { name, url: url.trim(), colour },
      {
        onSuccess: (connection) => {
          setName('');
          setUrl('');
          onAdded(connection);
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Add a connection</h2>
      <form onSubmit={onSubmit} className="stack">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          placeholder="Production"
          aria-invalid={field === 'name' || undefined}
          onChange={(event) => setName(event.target.value)}
        />
        <label htmlFor={`${id}-url`}>Service address</label>
        <input
          id={`${id}-url`}
          type="url"
          value={url}
          placeholder="https://login.example.org"
          aria-invalid={field === 'url' || undefined}
          onChange={(event) => setUrl(event.target.value)}
        />
        <label htmlFor={`${id}-colour`}>Colour</label>
        <input
          id={`${id}-colour`}
          type="color"
          value={colour}
          aria-invalid={field === 'colour' || undefined}
          onChange={(event) => setColour(event.target.value)}
        />
        {add.isError && <ErrorNotice error={add.error} />}
        <div className="buttons">
          <button type="submit" className="primary" disabled={add.isPending}>
            Add connection
          </button>
        </div>
      </form>
    </section>
  );
}
