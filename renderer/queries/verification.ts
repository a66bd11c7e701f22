import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';
import { useVerificationStore } from '../state/verification-store.ts';
import { accountKeys } from './accounts.ts';

/**
 * Caller verification: the service answers match or no match (never the answer), or emails a
 * code. Each attempt lands in the account's audit timeline, so that view is refreshed.
 */
export function useVerifyCaller() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'verifyCaller'>) => unwrap(latchkey().verifyCaller(input)),
    // The typed answer is in the variables: drop them as soon as the mutation settles.
    gcTime: 0,
    onSuccess: (result, input) => {
      useVerificationStore.getState().record(input.connectionId, input.accountId, result);
      void qc.invalidateQueries({
        queryKey: accountKeys.view(input.connectionId, input.accountId),
      });
    },
  });
}

export function useCheckCode() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'checkCode'>) => unwrap(latchkey().checkCode(input)),
    gcTime: 0,
    onSuccess: (result, input) => {
      useVerificationStore.getState().record(input.connectionId, input.accountId, result);
      void qc.invalidateQueries({
        queryKey: accountKeys.view(input.connectionId, input.accountId),
      });
    },
  });
}
