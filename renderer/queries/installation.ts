import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Installation } from '../../common/ipc/installation-contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';

/** Query key of the About view's facts. */
export const installationKey = ['installation'] as const;

/**
 * What IT manages here and how updates stand. Read once at start (the minimum version); the
 * About view asks again every `refreshMs` so the updates' state stays current while it is open.
 */
export function useInstallation(refreshMs: number | false = false) {
  return useQuery({
    queryKey: installationKey,
    queryFn: () => unwrap(latchkey().getInstallation({})),
    staleTime: Infinity,
    refetchInterval: refreshMs,
  });
}

/** The user's own log level (refused by main when a machine source sets it). */
export function useSetLogLevel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (level: Installation['logs']['level']) => unwrap(latchkey().setLogLevel({ level })),
    onSuccess: (installation) => qc.setQueryData(installationKey, installation),
  });
}
