import { useId, useState, type FormEvent } from 'react';
import type {
  ProductClient,
  RegisteredProductClient,
} from '../../../common/api/product-clients.ts';
import type { Product } from '../../../common/api/products.ts';
import { IpcFailure, latchkey, unwrap } from '../../ipc/latchkey.ts';
import {
  useAddProductClient,
  useProductClients,
  useRemoveProductClient,
} from '../../queries/products.ts';
import { useAnnounceStore } from '../../state/announce-store.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { Time } from '../../ui/Time.tsx';
import { ProductField } from './ProductField.tsx';
import type { Why } from './ProductForm.tsx';

type ClientField = 'redirectUris' | 'backchannelLogoutUri';

/** A refusal naming a field of the registration, its sentences without the field's name. */
function clientProblem(error: unknown): { field: ClientField; message: string } | null {
  if (!(error instanceof IpcFailure)) return null;
  if (error.field !== 'redirectUris' && error.field !== 'backchannelLogoutUri') return null;
  return { field: error.field, message: error.message.replaceAll(`${error.field}: `, '') };
}

/** The secret of the client just registered: shown once, with a copy that main clears. */
function SecretOnce({
  registered,
  onDone,
}: {
  registered: RegisteredProductClient;
  onDone(): void;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  const [copyError, setCopyError] = useState<unknown>(null);
  const secret = registered.clientSecret;
  const copy = () => {
    if (!secret) return;
    setCopyError(null);
    unwrap(latchkey().copySecret({ text: secret })).then(
      (answer) => setCopied(new Date(answer.clearsAt).toLocaleTimeString()),
      (error: unknown) => setCopyError(error),
    );
  };
  return (
    <section className="notice client-registered" aria-labelledby="client-registered-title">
      <h4 id="client-registered-title">Client registered: {registered.client.clientId}</h4>
      {secret ? (
        <>
          <p className="notice-headline" role="alert">
            Copy the client secret now: it will not be shown again.
          </p>
          <p>
            <label>
              Client secret <input className="client-secret" readOnly value={secret} size={48} />
            </label>{' '}
            <button type="button" onClick={copy}>
              Copy secret
            </button>
          </p>
          {copied && <p role="status">Copied. The clipboard clears at {copied}.</p>}
          {copyError !== null && <ErrorNotice error={copyError} />}
        </>
      ) : (
        <p>A public client has no secret: it proves itself with PKCE.</p>
      )}
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function RegisterForm({
  connectionId,
  product,
  why,
  onRegistered,
}: {
  connectionId: string;
  product: Product;
  why: Why;
  onRegistered(registered: RegisteredProductClient): void;
}) {
  const id = useId();
  const [redirects, setRedirects] = useState('');
  const [logout, setLogout] = useState('');
  const [isPublic, setPublic] = useState(false);
  const add = useAddProductClient();
  const problem = clientProblem(add.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const because = why();
    if (!because) return;
    add.mutate(
      {
        connectionId,
        code: product.code,
        redirectUris: redirects
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean),
        ...(logout.trim() ? { backchannelLogoutUri: logout.trim() } : {}),
        public: isPublic,
        ...because,
      },
      {
        onSuccess: (registered) => {
          setRedirects('');
          setLogout('');
          setPublic(false);
          onRegistered(registered);
        },
      },
    );
  };
  const redirectError = problem?.field === 'redirectUris' ? problem.message : undefined;
  return (
    <form aria-label={`Register a client of ${product.name}`} onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={`${id}-redirects`}>Redirect URIs (one per line)</label>
        <textarea
          id={`${id}-redirects`}
          rows={3}
          value={redirects}
          aria-invalid={redirectError ? true : undefined}
          aria-describedby={redirectError ? `${id}-redirects-error` : undefined}
          onChange={(e) => setRedirects(e.target.value)}
        />
        {redirectError && (
          <p id={`${id}-redirects-error`} className="field-error">
            {redirectError}
          </p>
        )}
      </div>
      <ProductField
        id={`${id}-logout`}
        label="Back-channel logout URI (optional)"
        hint="Where Latchkey tells the product that a person's sessions ended."
        value={logout}
        error={problem?.field === 'backchannelLogoutUri' ? problem.message : undefined}
        onChange={(e) => setLogout(e.target.value)}
      />
      <div className="field">
        <label>
          <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} />{' '}
          Public client (a browser or native app: no secret, PKCE only)
        </label>
      </div>
      {add.isError && !problem && <ErrorNotice error={add.error} />}
      {add.isPending && <Progress label="Registering the client…" />}
      <div className="buttons">
        <button type="submit" disabled={add.isPending}>
          Register client
        </button>
      </div>
    </form>
  );
}

function ClientRow({
  client,
  onRemove,
  busy,
}: {
  client: ProductClient;
  onRemove(): void;
  busy: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  return (
    <tr>
      <th scope="row" className="address">
        {client.clientId}
      </th>
      <td>{client.public ? 'Public' : 'Confidential'}</td>
      <td className="address">
        {client.redirectUris.map((uri) => (
          <div key={uri}>{uri}</div>
        ))}
      </td>
      <td className="address">{client.backchannelLogoutUri ?? '—'}</td>
      <td>
        <Time at={client.createdAt} />
      </td>
      <td>
        {confirming ? (
          <span role="group" aria-label={`Confirm removing ${client.clientId}`}>
            Its sign-ins and tokens stop working.{' '}
            <button type="button" disabled={busy} onClick={onRemove}>
              Remove {client.clientId}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Remove…
          </button>
        )}
      </td>
    </tr>
  );
}

/** A product's OpenID Connect clients: listed, registered (the secret shown once) and removed. */
export function ProductClients({
  connectionId,
  products,
  why,
}: {
  connectionId: string;
  products: Product[];
  why: Why;
}) {
  const id = useId();
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const product = products.find((p) => p.code === chosen) ?? products[0];
  const query = useProductClients(connectionId, product?.code);
  const remove = useRemoveProductClient();
  const [registered, setRegistered] = useState<RegisteredProductClient | null>(null);
  const say = useAnnounceStore((s) => s.say);
  const clients = query.data?.items ?? [];
  const onRemove = (client: ProductClient) => {
    const because = why();
    if (!because || !product) return;
    remove.mutate(
      { connectionId, code: product.code, clientId: client.clientId, ...because },
      { onSuccess: () => say(`Client ${client.clientId} removed.`) },
    );
  };
  return (
    <section className="card product-clients" aria-labelledby="product-clients-title">
      <h3 id="product-clients-title">Clients</h3>
      {!product ? (
        <p className="muted">Add a product first: clients are registered for a product.</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${id}-product`}>Product</label>
            <select
              id={`${id}-product`}
              value={product.code}
              onChange={(e) => {
                setChosen(e.target.value);
                setRegistered(null);
              }}
            >
              {products.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          {query.isPending && <Progress label="Loading the clients…" />}
          {query.isError && (
            <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
          )}
          {remove.isError && <ErrorNotice error={remove.error} />}
          {query.isSuccess && clients.length === 0 && (
            <p>{product.name} has no registered client yet.</p>
          )}
          {clients.length > 0 && (
            <table aria-label={`Clients of ${product.name}`}>
              <thead>
                <tr>
                  <th scope="col">Client id</th>
                  <th scope="col">Type</th>
                  <th scope="col">Redirect URIs</th>
                  <th scope="col">Back-channel logout</th>
                  <th scope="col">Registered</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {clients.map((client) => (
                  <ClientRow
                    key={client.clientId}
                    client={client}
                    busy={remove.isPending}
                    onRemove={() => onRemove(client)}
                  />
                ))}
              </tbody>
            </table>
          )}
          {registered ? (
            <SecretOnce registered={registered} onDone={() => setRegistered(null)} />
          ) : (
            <RegisterForm
              key={product.code}
              connectionId={connectionId}
              product={product}
              why={why}
              onRegistered={(r) => {
                setRegistered(r);
                say(`Client ${r.client.clientId} registered.`);
              }}
            />
          )}
        </>
      )}
    </section>
  );
}
