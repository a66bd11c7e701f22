import { useQuery } from '@tanstack/react-query';
import { latchkey, unwrap } from '../../ipc/latchkey.ts';

/** Query key of the machine-wide settings: read once, they change only with a restart. */
export const machineSettingsKey = ['machine-settings'] as const;

/** What IT's machine-wide file sets, and why it was refused if it was (README "For IT"). */
export function useMachineSettings() {
  return useQuery({
    queryKey: machineSettingsKey,
    queryFn: () => unwrap(latchkey().getMachineSettings({})),
    staleTime: Infinity,
  });
}
