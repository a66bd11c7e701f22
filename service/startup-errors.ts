import { mkdirSync, statSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { StoreLabel } from './store/database.ts';
import { MigrationError, NewerDatabaseError } from './store/migrate.ts';
import { OUTAGE_WORDS, storeOutageOf, type StoreOutage } from './store/store-errors.ts';

/**
 * Thrown when the service cannot start for a reason outside it (the store, the address, the
 * data folder); its message names the variable or path and what to do, and is all cli.ts prints.
 */
export class StartupError extends Error {}

/**
 * The start-up message for a store that failed to open or migrate: what is wrong with which
 * store (never a password: the label names host, port and database only) and what to do.
 * An error that is not the store's (a bug) is answered unchanged.
 */
export function storeStartupError(error: unknown, label: StoreLabel): Error {
  if (error instanceof NewerDatabaseError) {
    return new StartupError(`${label.variable}: ${label.target}: ${error.message}`);
  }
  const outage = storeOutageOf(error);
  if (!outage) return error instanceof Error ? error : new Error(String(error));
  return outageStartupError(
    outage,
    label,
    error instanceof MigrationError ? ' while migrating' : '',
  );
}

/** The start-up message for a store that opened but refused the first write (start-up's probe). */
export function outageStartupError(outage: StoreOutage, label: StoreLabel, when = ''): Error {
  const { what, todo } = OUTAGE_WORDS[outage.kind];
  return new StartupError(
    `${label.variable}: ${label.target} ${what}${when} (${outage.code}: ${outage.detail}). To fix: ${todo}.`,
  );
}

/** The start-up message for an address the HTTP server could not listen on. */
export function listenStartupError(error: unknown, host: string, port: number): Error {
  const code = (error as { code?: unknown }).code;
  const where = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `PORT: ${port} on ${host} is already in use by another program: stop it, or set PORT to a free port.`,
      );
    case 'EACCES':
      return new StartupError(
        `PORT: this user may not listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above.`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `HOST: ${host} is not an address of this machine: set HOST to one of its addresses, 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `HOST: the host name ${host} does not resolve to an address: set HOST to an IP address of this machine or a name that resolves to one.`,
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Makes sure DATA_DIR is a folder this process can write (creating it when missing): the
 * SQLite file, the .eml outbox, the audit key and its checkpoints live there.
 */
export function prepareDataDir(dataDir: string): void {
  const where = path.resolve(dataDir);
  let isFolder: boolean;
  try {
    isFolder = statSync(where).isDirectory();
  } catch {
    try {
      mkdirSync(where, { recursive: true });
      return;
    } catch (error) {
      throw new StartupError(
        `DATA_DIR: cannot create the folder ${where} (${codeOf(error)}): create it, or set DATA_DIR to a folder this user may write.`,
      );
    }
  }
  if (!isFolder) {
    throw new StartupError(
      `DATA_DIR: ${where} is a file, not a folder: set DATA_DIR to a folder (it is created when missing), or move the file away.`,
    );
  }
  try {
    accessSync(where, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StartupError(
      `DATA_DIR: this user may not write in ${where} (${codeOf(error)}): give it write access, or set DATA_DIR to another folder.`,
    );
  }
}

const codeOf = (error: unknown) => String((error as { code?: unknown }).code ?? error);
