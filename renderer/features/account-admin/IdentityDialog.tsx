import { useId, useState } from 'react';
import {
  EmailSchema,
  PersonNameSchema,
  PhoneSchema,
  UsernameSchema,
} from '../../../common/api/account-fields.ts';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { mayEditIdentity } from '../actions/permissions.ts';
import { AccountChangeDialog } from './AccountChangeDialog.tsx';
import { problemOf, TextField } from './fields.tsx';
import { useUsernameFeedback } from './username-note.ts';

type Field = 'username' | 'email' | 'name' | 'phone';
const SCHEMAS = {
  username: UsernameSchema,
  email: EmailSchema,
  name: PersonNameSchema,
  phone: PhoneSchema,
};

interface Props {
  dialog: AccountRef;
  connection: Connection;
  admin: AdminIdentity;
  onClose(): void;
}

/**
 * Corrects username, email, name or phone (issue 16). Only what differs is sent; a new email
 * address ends the account's outstanding links and both addresses are told.
 */
export function IdentityDialog({ dialog, connection, admin, onClose }: Props) {
  const id = useId();
  // Only what the administrator typed: a field left alone shows (and keeps) the account's value,
  // also after a 412 brought a colleague's change in.
  const [edits, setEdits] = useState<Partial<Record<Field, string>>>({});
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const form = (seen: AccountView): Record<Field, string> => ({
    username: edits.username ?? seen.username,
    email: edits.email ?? seen.email,
    name: edits.name ?? seen.name,
    phone: edits.phone ?? seen.phone,
  });
  return (
    <AccountChangeDialog
      dialog={dialog}
      connection={connection}
      title="Edit identity"
      explains="A new email address ends the account’s outstanding links, and both the old and the new address are told; a new username is told to the account’s address."
      confirm="Save changes"
      stillApplies={(view) => mayEditIdentity(admin, view)}
      request={(seen) => {
        const v = form(seen);
        const found: Partial<Record<Field, string>> = {};
        const changed: Partial<Record<Field, string>> = {};
        for (const f of ['username', 'email', 'name', 'phone'] as const) {
          if (v[f].trim() === seen[f]) continue;
          const problem = problemOf(SCHEMAS[f], v[f]);
          if (problem) found[f] = problem;
          changed[f] = v[f].trim();
        }
        if (Object.keys(changed).length === 0) found.username = 'Change at least one field.';
        setErrors(found);
        const first = Object.keys(found)[0];
        if (first) {
          document.getElementById(`${id}-${first}`)?.focus();
          return null;
        }
        return { kind: 'identity', fields: changed };
      }}
      onClose={onClose}
    >
      {(seen, server) => (
        <IdentityFields
          id={id}
          connectionId={connection.id}
          seen={seen}
          values={form(seen)}
          errors={errors}
          server={server}
          onChange={(f, value) => {
            setEdits((e) => ({ ...e, [f]: value }));
            setErrors((e) => ({ ...e, [f]: undefined }));
          }}
        />
      )}
    </AccountChangeDialog>
  );
}

function IdentityFields(p: {
  id: string;
  connectionId: string;
  seen: AccountView;
  values: Record<Field, string>;
  errors: Partial<Record<Field, string>>;
  server: { field: string; message: string } | null;
  onChange(field: Field, value: string): void;
}) {
  const username = useUsernameFeedback(p.connectionId, p.values.username, {
    accountId: p.seen.id,
    unchanged: p.values.username.trim() === p.seen.username,
  });
  const errorOf = (f: Field) =>
    p.errors[f] ?? (p.server?.field === f ? p.server.message : null) ?? null;
  return (
    <div className="admin-fields">
      <TextField
        id={`${p.id}-username`}
        label="Username"
        value={p.values.username}
        error={errorOf('username') ?? username.problem}
        note={username.note}
        onChange={(v) => p.onChange('username', v)}
      />
      <TextField
        id={`${p.id}-email`}
        label="Email"
        type="email"
        value={p.values.email}
        error={errorOf('email')}
        onChange={(v) => p.onChange('email', v)}
      />
      <TextField
        id={`${p.id}-name`}
        label="Name"
        value={p.values.name}
        error={errorOf('name')}
        onChange={(v) => p.onChange('name', v)}
      />
      <TextField
        id={`${p.id}-phone`}
        label="Phone"
        type="tel"
        required={false}
        value={p.values.phone}
        error={errorOf('phone')}
        onChange={(v) => p.onChange('phone', v)}
      />
    </div>
  );
}
