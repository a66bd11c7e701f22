import { useId, useState, type FormEvent } from 'react';
import {
  EmailSchema,
  PersonNameSchema,
  PhoneSchema,
  UsernameSchema,
} from '../../../common/api/account-fields.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { errorField } from '../../ipc/error-words.ts';
import { useCreateAccount } from '../../queries/account-admin.ts';
import { useProducts } from '../../queries/products.ts';
import { useAccountAdminStore } from '../../state/account-admin-store.ts';
import { useRouteStore } from '../../state/route-store.ts';
import { useSelectionStore } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { CONFIRM_KEYS, Modal } from '../../ui/Modal.tsx';
import { Progress } from '../../ui/Progress.tsx';
import '../actions/admin-dialogs.css';
import './account-admin.css';
import { OrganizationChoice, ProblemList, problemOf, ProductChoice, TextField } from './fields.tsx';
import { useAdminOrganizations } from './use-admin-organizations.ts';
import { useUsernameFeedback } from './username-note.ts';

type Field = 'username' | 'email' | 'name' | 'phone' | 'organizationId' | 'products' | 'reason';
const ORDER: Field[] = [
  'username',
  'email',
  'name',
  'phone',
  'organizationId',
  'products',
  'reason',
];

/** The New account dialog, on the connection it was opened for. */
export function NewAccountHost({ connections }: { connections: Connection[] }) {
  const creatingOn = useAccountAdminStore((s) => s.creatingOn);
  const close = useAccountAdminStore((s) => s.closeCreate);
  const connection = connections.find((c) => c.id === creatingOn);
  if (!connection?.admin || connection.state !== 'signed_in') return null;
  return <NewAccountDialog connection={connection} admin={connection.admin} onClose={close} />;
}

interface Props {
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/**
 * Creates an account (issue 16): the administrator never types a password; the person is emailed
 * an invitation to Set Up Password.
 */
export function NewAccountDialog({ connection, admin, onClose }: Props) {
  const id = useId();
  const [v, setV] = useState({
    username: '',
    email: '',
    name: '',
    phone: '',
    reason: '',
    ticket: '',
  });
  const { organizations } = useAdminOrganizations(connection.id, admin, 'create_accounts');
  const [organizationId, setOrganizationId] = useState('');
  const org = organizationId || (organizations.length === 1 ? (organizations[0]?.id ?? '') : '');
  const [products, setProducts] = useState<string[]>([]);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [idempotencyKey, setKey] = useState(() => crypto.randomUUID());
  const catalogue = useProducts(connection.id);
  const create = useCreateAccount();
  const username = useUsernameFeedback(connection.id, v.username);
  const openAccount = useSelectionStore((s) => s.openAccount);
  const show = useRouteStore((s) => s.show);
  const serverField = errorField(create.error) as Field | undefined;
  const errorOf = (f: Field) =>
    errors[f] ??
    (serverField && (serverField === f || serverField.startsWith(`${f}.`))
      ? (create.error as Error).message
      : null);
  const set = (f: keyof typeof v, value: string) => {
    setV((old) => ({ ...old, [f]: value }));
    setErrors((e) => ({ ...e, [f]: undefined }));
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    const check = (f: Field, problem: string | null) => {
      if (problem) found[f] = problem;
    };
    check('username', problemOf(UsernameSchema, v.username) ?? username.problem);
    check('email', problemOf(EmailSchema, v.email));
    check('name', problemOf(PersonNameSchema, v.name));
    check('phone', problemOf(PhoneSchema, v.phone));
    check('organizationId', org ? null : 'Choose an organization.');
    check('reason', v.reason.trim().length >= 3 ? null : 'Say why, in a few words.');
    setErrors(found);
    const first = ORDER.find((f) => found[f]);
    if (first) {
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    create.mutate({
      connectionId: connection.id,
      username: v.username.trim(),
      email: v.email.trim(),
      name: v.name.trim(),
      phone: v.phone.trim(),
      organizationId: org,
      products,
      reason: v.reason.trim(),
      ...(v.ticket.trim() ? { ticket: v.ticket.trim() } : {}),
      idempotencyKey,
    });
  };

  const created = create.data;
  return (
    <Modal title="New account" onClose={onClose} busy={create.isPending} accent={connection.colour}>
      <p className="dialog-context">
        <ConnectionBadge connection={connection} /> · the person is emailed an invitation
      </p>
      {created ? (
        <div className="done">
          <p className="done-summary" role="status">
            <span aria-hidden="true">✓ </span>
            {created.username} was created in {created.organization.name}. An invitation to Set Up
            Password was emailed to {created.email}.
          </p>
          <div className="buttons">
            <button
              type="button"
              onClick={() => {
                create.reset();
                setKey(crypto.randomUUID());
                setV({
                  username: '',
                  email: '',
                  name: '',
                  phone: '',
                  reason: v.reason,
                  ticket: '',
                });
              }}
            >
              Create another
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => {
                show('console');
                openAccount({ connectionId: connection.id, accountId: created.id }, true);
                onClose();
              }}
            >
              Open the account
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={onSubmit} className="action-form admin-fields" noValidate>
          <TextField
            id={`${id}-username`}
            label="Username"
            value={v.username}
            error={errorOf('username') ?? username.problem}
            note={username.note}
            onChange={(value) => set('username', value)}
          />
          <TextField
            id={`${id}-email`}
            label="Email"
            type="email"
            value={v.email}
            error={errorOf('email')}
            onChange={(value) => set('email', value)}
          />
          <TextField
            id={`${id}-name`}
            label="Name"
            value={v.name}
            error={errorOf('name')}
            onChange={(value) => set('name', value)}
          />
          <TextField
            id={`${id}-phone`}
            label="Phone"
            type="tel"
            required={false}
            value={v.phone}
            error={errorOf('phone')}
            onChange={(value) => set('phone', value)}
          />
          <OrganizationChoice
            id={`${id}-organizationId`}
            label="Organization"
            organizations={organizations}
            value={org}
            error={errorOf('organizationId')}
            onChange={(value) => {
              setOrganizationId(value);
              setErrors((e) => ({ ...e, organizationId: undefined }));
            }}
          />
          <ProductChoice
            id={`${id}-products`}
            products={catalogue.data?.items ?? []}
            chosen={products}
            error={errorOf('products')}
            onChange={setProducts}
          />
          <p className="muted">
            No password is set here: the person is emailed a link to Set Up Password.
          </p>
          <label htmlFor={`${id}-reason`}>Why? (goes into the audit log)</label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            value={v.reason}
            aria-invalid={errorOf('reason') ? true : undefined}
            aria-describedby={errorOf('reason') ? `${id}-reason-error` : undefined}
            onChange={(event) => set('reason', event.target.value)}
          />
          {errorOf('reason') && (
            <p id={`${id}-reason-error`} className="field-error">
              {errorOf('reason')}
            </p>
          )}
          <label htmlFor={`${id}-ticket`}>Ticket number (optional)</label>
          <input
            id={`${id}-ticket`}
            value={v.ticket}
            autoComplete="off"
            onChange={(event) => set('ticket', event.target.value)}
          />
          {create.error && !serverField && <ErrorNotice error={create.error} />}
          {create.error && serverField && !ORDER.includes(serverField.split('.')[0] as Field) && (
            <ProblemList items={[(create.error as Error).message]} />
          )}
          {create.isPending && <Progress label="Creating the account…" />}
          <div className="buttons">
            <button type="button" onClick={onClose} disabled={create.isPending}>
              Cancel
            </button>
            <button
              type="submit"
              className="primary"
              aria-keyshortcuts={CONFIRM_KEYS}
              disabled={create.isPending}
            >
              Create account{' '}
              <span className="key-hint" aria-hidden="true">
                <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
              </span>
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
