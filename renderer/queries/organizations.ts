import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';

/** Query keys of the organizations domain. */
export const organizationKeys = {
  list: (connectionId: string) => ['organizations', connectionId] as const,
};

/** The organizations the administrator sees, each with its policy and the policy's ETag. */
export function useOrganizations(connectionId: string) {
  return useQuery({
    queryKey: organizationKeys.list(connectionId),
    queryFn: () => unwrap(latchkey().listOrganizations({ connectionId })),
  });
}

/** Replaces an organization's policy (If-Match: the ETag it was read with). */
export function useEditPolicy() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'editPolicy'>) => unwrap(latchkey().editPolicy(input)),
    onSettled: (_result, _error, input) =>
      qc.invalidateQueries({ queryKey: organizationKeys.list(input.connectionId) }),
  });
}
