import type { INSTALLATION_IPC } from '../common/ipc/installation-contract.ts';
import type { HandlersOf } from './handler-context.ts';
import type { InstallationState } from './installation-state.ts';
import { failureFor } from './failure-reasons.ts';
import type { IpcHandlers } from './ipc.ts';

/** The About view's operations (INSTALLATION_IPC). */
export function createInstallationHandlers(
  state: InstallationState,
): HandlersOf<typeof INSTALLATION_IPC> {
  return {
    getInstallation: async () => state.view(),
    setLogLevel: async ({ level }) => state.setLogLevel(level),
  };
}

/** What a build older than the policy's minimum may still do: say why, and show the About view. */
const ALLOWED_WHEN_BLOCKED = new Set<keyof IpcHandlers>([
  'getInstallation',
  'getMachineSettings',
  'setLogLevel',
]);

/**
 * The minimum version enforced in main, not only on the renderer's screen: every other
 * operation answers `forbidden` with the reason while this build is too old.
 */
export function gateOnMinimumVersion(handlers: IpcHandlers, state: InstallationState): IpcHandlers {
  const reason = state.blockedBy();
  if (!reason) return handlers;
  const refuse = async () => {
    throw failureFor('forbidden', { problem: 'build_too_old', ...reason });
  };
  const gated = { ...handlers } as Record<keyof IpcHandlers, unknown>;
  for (const op of Object.keys(handlers) as Array<keyof IpcHandlers>)
    if (!ALLOWED_WHEN_BLOCKED.has(op)) gated[op] = refuse;
  return gated as IpcHandlers;
}
