import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import { IpcFailure } from '../../ipc/latchkey.ts';
import { accountViewQuery } from '../../queries/account-view.ts';
import { accountKeys } from '../../queries/accounts.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { diffViews, type Change } from './view-diff.ts';

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

/** What a dialog must show before the agent confirms: the account moved on, and how. */
export interface AccountMoved {
  current: AccountView;
  changes: Change[];
}

/** The account moved on from `seen` in a way the agent can see, or undefined. */
function movedFrom(seen: AccountView, now: AccountView | undefined): AccountMoved | undefined {
  if (!now || now.version === seen.version) return undefined;
  const changes = diffViews(seen, now);
  return changes.length > 0 ? { current: now, changes } : undefined;
}

/**
 * Issue 15: a dialog re-checks the account when it opens (a fetch on mount), while it is open
 * (the open view's poll fills the same cache entry) and right before it sends. A new version
 * with nothing the agent can see changed is taken silently; anything else is `moved`, to be
 * shown before the agent confirms. The service's 412 stays the guard for a change in between.
 */
export function useAccountRecheck(
  ref: AccountRef,
  seen: AccountView | undefined,
  setSeen: (view: AccountView) => void,
) {
  const qc = useQueryClient();
  const options = accountViewQuery(ref.connectionId, ref.accountId);
  const live = useQuery({ ...options, staleTime: 0, refetchOnMount: 'always' }).data;
  const moved = seen ? movedFrom(seen, live) : undefined;
  const quietly = !!seen && !!live && live.version !== seen.version && !moved;
  useEffect(() => {
    if (quietly && live) setSeen(live);
  }, [quietly, live, setSeen]);

  /** The version to send, or undefined when the agent must first see what changed. */
  const versionToSend = async (): Promise<number | undefined> => {
    if (!seen) return undefined;
    const now = await qc.fetchQuery({ ...options, staleTime: 0 }).catch(() => seen);
    if (now.version === seen.version) return seen.version;
    // The cache holds `now`: `moved` shows it on the next render.
    if (movedFrom(seen, now)) return undefined;
    setSeen(now);
    return now.version;
  };
  const accept = () => {
    if (moved) setSeen(moved.current);
  };
  return { moved, accept, versionToSend };
}
