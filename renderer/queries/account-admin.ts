import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';
import { accountKeys, invalidateAccount, storeCurrent } from './accounts.ts';

/** Query keys of account administration (issue 16). */
export const accountAdminKeys = {
  username: (connectionId: string, username: string, accountId?: string) =>
    ['accounts', 'username-check', connectionId, username, accountId ?? null] as const,
};

/** Is this username free and well formed? Asked as it is typed (the caller debounces). */
export function useUsernameCheck(connectionId: string, username: string, accountId?: string) {
  return useQuery({
    queryKey: accountAdminKeys.username(connectionId, username, accountId),
    queryFn: () =>
      unwrap(
        latchkey().checkNewUsername({
          connectionId,
          username,
          ...(accountId ? { accountId } : {}),
        }),
      ),
    enabled: username.trim().length > 0,
    staleTime: 0,
    gcTime: 30_000,
  });
}

/** Creates an account; it shows in searches from now on. */
export function useCreateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'createAccount'>) => unwrap(latchkey().createAccount(input)),
    onSuccess: (view, input) => {
      qc.setQueryData(accountKeys.view(input.connectionId, view.id), view);
      void qc.invalidateQueries({ queryKey: accountKeys.searches });
    },
  });
}

type Change =
  | ({ kind: 'identity' } & IpcInput<'editIdentity'>)
  | ({ kind: 'products' } & IpcInput<'setProducts'>)
  | ({ kind: 'move' } & IpcInput<'moveAccount'>);

/** Edits identity, products or organization; a 412 puts the account as it is now into the cache. */
export function useAccountAdminChange() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ kind, ...input }: Change) => {
      const api = latchkey();
      if (kind === 'identity') return unwrap(api.editIdentity(input as IpcInput<'editIdentity'>));
      if (kind === 'products') return unwrap(api.setProducts(input as IpcInput<'setProducts'>));
      return unwrap(api.moveAccount(input as IpcInput<'moveAccount'>));
    },
    onSuccess: (_result, input) => invalidateAccount(qc, input.connectionId, input.accountId),
    onError: (error, input) => storeCurrent(qc, error, input),
  });
}
