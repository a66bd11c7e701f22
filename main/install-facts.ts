import { existsSync } from 'node:fs';
import path from 'node:path';

// How this copy of the console was installed (issue 17): per machine by an administrator (MSI,
// the NSIS installer's all-users mode, a .pkg into /Applications) or per user; what installed it;
// where it lives. Told in the About view and the log; what updates may do depends on it.

export type InstallScope = 'per-machine' | 'per-user' | 'development';

export interface InstallFacts {
  scope: InstallScope;
  /** `MSI`, `NSIS installer`, `.pkg`, `app bundle`, `AppImage`, `deb`, `development run`. */
  kind: string;
  /** The folder (Windows, Linux) or the .app bundle (macOS). */
  location: string;
}

export interface InstallProbe {
  platform: NodeJS.Platform;
  packaged: boolean;
  /** `process.execPath`: the app's executable. */
  execPath: string;
  env: NodeJS.ProcessEnv;
  productName?: string;
  exists?: (file: string) => boolean;
}

/** The receipt macOS keeps for a package installed by Installer or an MDM (its identifier is the appId). */
export const PKG_RECEIPT = '/var/db/receipts/org.latchkey.console.plist';

const within = (folder: string | undefined, file: string) =>
  !!folder && file.toLowerCase().startsWith(`${folder.replace(/[\\/]+$/, '').toLowerCase()}\\`);

function windowsFacts(p: Required<Omit<InstallProbe, 'packaged'>>): InstallFacts {
  const location = path.win32.dirname(p.execPath);
  const programFiles = [p.env.ProgramFiles, p.env.ProgramW6432, p.env['ProgramFiles(x86)']];
  const perMachine = programFiles.some((folder) => within(folder, p.execPath));
  // electron-builder's NSIS installer leaves its uninstaller beside the app; the MSI does not.
  const nsis = p.exists(path.win32.join(location, `Uninstall ${p.productName}.exe`));
  return {
    scope: perMachine ? 'per-machine' : 'per-user',
    kind: nsis ? 'NSIS installer' : 'MSI',
    location,
  };
}

function macFacts(p: Required<Omit<InstallProbe, 'packaged'>>): InstallFacts {
  const bundle = /^(.*?\.app)(\/|$)/.exec(p.execPath)?.[1] ?? path.dirname(p.execPath);
  const perMachine = bundle.startsWith('/Applications/');
  return {
    scope: perMachine ? 'per-machine' : 'per-user',
    kind: p.exists(PKG_RECEIPT) ? '.pkg' : 'app bundle',
    location: bundle,
  };
}

/** The installation's facts, read from where the executable is. */
export function installFacts(probe: InstallProbe): InstallFacts {
  const p = { productName: 'Latchkey', exists: existsSync, ...probe };
  if (!p.packaged) return { scope: 'development', kind: 'development run', location: p.execPath };
  if (p.platform === 'win32') return windowsFacts(p);
  if (p.platform === 'darwin') return macFacts(p);
  if (p.env.APPIMAGE) return { scope: 'per-user', kind: 'AppImage', location: p.env.APPIMAGE };
  return { scope: 'per-machine', kind: 'deb', location: path.dirname(p.execPath) };
}
