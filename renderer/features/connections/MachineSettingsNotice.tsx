import type { IpcOutput } from '../../../common/ipc/contract.ts';

type MachineSettings = IpcOutput<'getMachineSettings'>;

/**
 * Says what IT's machine-wide file does here. Refused, it says what is wrong and that none of
 * its settings apply (the console fails closed: no connection until IT fixes the file).
 */
export function MachineSettingsNotice({ settings }: { settings: MachineSettings }) {
  if (settings.problem)
    return (
      <div className="notice notice-error" role="alert">
        <p className="notice-headline">Your organization’s configuration file has a problem</p>
        <p>{settings.problem}</p>
        <p>
          None of its settings are applied, and no connection can be used or added until it is
          fixed. Please tell your IT department.
        </p>
      </div>
    );
  if (settings.managedBy && !settings.allowUserConnections)
    return (
      <p className="muted">
        Your organization manages these connections; adding others is turned off.
      </p>
    );
  return null;
}
