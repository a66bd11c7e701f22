import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { InstallDenial } from '../common/ipc/update-status.ts';
import type { InstallFacts } from './install-facts.ts';

// Whether the person signed in to this computer can install an update of this copy (issue 17).
// A per-machine installation belongs to the administrators: electron-updater can replace an
// all-users NSIS installation only with an administrator's consent (UAC), cannot replace an MSI
// installation at all, and on macOS needs write access to the .app and its folder.

/** Who may install: the user, or only IT, and why (the About view words it). */
export type UpdateRights = { ok: true } | ({ ok: false } & InstallDenial);

export interface RightsProbe {
  platform: NodeJS.Platform;
  install: InstallFacts;
  /** Windows: is the user a member of Administrators (elevation possible)? */
  isAdministrator?: () => Promise<boolean>;
  /** Can the user write this folder? */
  canWrite?: (folder: string) => boolean;
}

const ADMINISTRATORS = 'S-1-5-32-544';

/** True when `whoami /groups /fo csv /nh` lists Administrators (even "for deny only": UAC elevates). */
export function isAdministratorIn(whoamiCsv: string): boolean {
  return whoamiCsv
    .split(/\r?\n/)
    .some((line) => line.split('","')[2]?.replace(/"/g, '') === ADMINISTRATORS);
}

/** Windows: asks whoami (its absolute path) for the user's groups. */
export function windowsIsAdministrator(env: NodeJS.ProcessEnv = process.env) {
  return () =>
    new Promise<boolean>((resolve) =>
      execFile(
        `${env.SystemRoot || 'C:\\Windows'}\\System32\\whoami.exe`,
        ['/groups', '/fo', 'csv', '/nh'],
        { windowsHide: true, timeout: 10_000 },
        (error, stdout) => resolve(!error && isAdministratorIn(String(stdout))),
      ),
    );
}

const writable = (folder: string) => {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** Who may replace this copy: the user, or only IT (and why not the user). */
export async function updateRights(p: RightsProbe): Promise<UpdateRights> {
  const canWrite = p.canWrite ?? writable;
  if (p.platform === 'win32') {
    if (p.install.kind === 'MSI') return { ok: false, reason: 'msi', location: null };
    if (
      p.install.scope === 'per-machine' &&
      !(await (p.isAdministrator ?? windowsIsAdministrator())())
    )
      return { ok: false, reason: 'all_users', location: null };
    return { ok: true };
  }
  if (p.platform === 'darwin') {
    const bundle = p.install.location;
    if (!canWrite(bundle) || !canWrite(path.dirname(bundle)))
      return { ok: false, reason: 'app_not_writable', location: bundle };
    return { ok: true };
  }
  return { ok: false, reason: 'linux', location: null };
}
