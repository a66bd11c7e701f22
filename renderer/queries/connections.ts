import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Connection, IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';
import { clearConnection } from './accounts.ts';

/** Query keys of the connections domain. */
export const connectionKeys = {
  all: ['connections'] as const,
};

/** Every connection: name, colour, state and who is signed in; never a token. */
export function useConnections() {
  return useQuery({
    queryKey: connectionKeys.all,
    queryFn: () => unwrap(latchkey().listConnections({})),
    staleTime: Infinity,
  });
}

/** Puts one connection's new state into the list without asking main again. */
function store(qc: QueryClient, connection: Connection): void {
  qc.setQueryData<Connection[]>(connectionKeys.all, (list) =>
    list?.some((c) => c.id === connection.id)
      ? list.map((c) => (c.id === connection.id ? connection : c))
      : [...(list ?? []), connection],
  );
}

export function useAddConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'addConnection'>) => unwrap(latchkey().addConnection(input)),
    onSuccess: (connection) => store(qc, connection),
  });
}

export function useRemoveConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (connectionId: string) => unwrap(latchkey().removeConnection({ connectionId })),
    onSuccess: (_removed, connectionId) => {
      clearConnection(qc, connectionId);
      qc.setQueryData<Connection[]>(connectionKeys.all, (list) =>
        list?.filter((c) => c.id !== connectionId),
      );
    },
  });
}

/** Sign-in with password and TOTP; the password never outlives the call in the renderer. */
export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'signIn'>) => unwrap(latchkey().signIn(input)),
    onSuccess: (connection) => store(qc, connection),
    gcTime: 0,
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (connectionId: string) => unwrap(latchkey().signOut({ connectionId })),
    onSuccess: (connection) => {
      clearConnection(qc, connection.id);
      store(qc, connection);
    },
  });
}

/** The lock screen: the password again. */
export function useUnlock() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'unlock'>) => unwrap(latchkey().unlock(input)),
    onSuccess: (connection) => store(qc, connection),
    gcTime: 0,
  });
}

/** Asks main for the list again (an event said it changed). */
export const refreshConnections = (qc: QueryClient) =>
  qc.invalidateQueries({ queryKey: connectionKeys.all });
