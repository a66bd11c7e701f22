import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import { IpcFailure } from '../../ipc/latchkey.ts';
import { accountKeys } from '../../queries/accounts.ts';
import type { AccountRef } from '../../state/selection-store.ts';

/**
 * What every change dialog on an account keeps for its life: the account as the agent saw it
 * (its version goes in If-Match, moved on after a 412) and one idempotency key.
 */
export function useSeenAccount(ref: AccountRef) {
  const qc = useQueryClient();
  const [seen, setSeen] = useState(() =>
    qc.getQueryData<AccountView>(accountKeys.view(ref.connectionId, ref.accountId)),
  );
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  return { seen, setSeen, idempotencyKey };
}

/** The account as it is now, when a change met a newer version (412). */
export const staleCurrent = (error: unknown): AccountView | undefined =>
  error instanceof IpcFailure && error.code === 'precondition_failed' ? error.current : undefined;

/** The holder a refusal names (`usernames.<holderId>`), or undefined. */
export function usernameFieldOf(error: unknown): string | undefined {
  if (!(error instanceof IpcFailure) || !error.field?.startsWith('usernames.')) return undefined;
  return error.field.slice('usernames.'.length);
}
