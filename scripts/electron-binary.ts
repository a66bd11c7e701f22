import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ElectronBinary {
  /** The executable, or undefined when there is none. */
  path: string | undefined;
  /** Why there is none. */
  reason?: string;
}

/**
 * The Electron executable the `electron` package installed, found without `require('electron')`:
 * that call starts a download when the binary is missing, which hangs or fails offline.
 * `ELECTRON_EXEC_PATH` names another one (a system Electron, a CI cache).
 */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const configured = env.ELECTRON_EXEC_PATH;
  if (configured) {
    return existsSync(configured)
      ? { path: configured }
      : { path: undefined, reason: `ELECTRON_EXEC_PATH=${configured} does not exist` };
  }
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { path: undefined, reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile))
    return { path: undefined, reason: 'the Electron binary was never downloaded' };
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary)
    ? { path: binary }
    : { path: undefined, reason: `the Electron binary is missing (${binary})` };
}
