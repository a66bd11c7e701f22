import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node';
import type { Log, LogLevel } from './log.ts';
import { redact } from './log-redaction.ts';

// Main's log file (issue 17): electron-log's file transport in the platform's log folder
// (Electron's `app.getPath('logs')`), rotated by size, one JSON object per line so a SIEM reads
// fields instead of guessing, and a JSON string cannot break a line (a message holding a line
// break cannot forge an entry). electron-log's Node entry, not its Electron one: that one
// registers IPC handlers of its own, which the console's router (R109) does not allow.

export const LOG_FILE_NAME = 'latchkey.log';

export interface LogFileOptions {
  /** The folder (`app.getPath('logs')` in the app). */
  folder: string;
  level: LogLevel;
  /** The version every line carries, so a fleet's lines can be told apart. */
  version: string;
  /** Rotate when the file passes this size. */
  maxBytes?: number;
  /** Rotated files kept (`latchkey.1.log` newest … `latchkey.N.log` oldest). */
  keep?: number;
  /** Also to stderr (a development run). */
  echo?: boolean;
}

/** The log, with where it writes and a way to change its level (a policy read later). */
export interface LogFile extends Log {
  readonly file: string;
  level(): LogLevel;
  setLevel(level: LogLevel): void;
}

const MEGABYTE = 1024 * 1024;
let loggers = 0;

/** latchkey.log → latchkey.1.log → … → latchkey.{keep}.log, the oldest dropped. */
export function rotate(file: string, keep: number): void {
  const { dir, name, ext } = path.parse(file);
  const numbered = (n: number) => path.join(dir, `${name}.${n}${ext}`);
  rmSync(numbered(keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    try {
      renameSync(numbered(n), numbered(n + 1));
    } catch {
      // Not there yet: fewer rotations so far than `keep`.
    }
  }
  renameSync(file, numbered(1));
}

/** Opens (appends to) the log file; the folder is made on the first line. */
export function openLogFile(o: LogFileOptions): LogFile {
  const file = path.join(o.folder, LOG_FILE_NAME);
  const keep = o.keep ?? 5;
  const logger = electronLog.create({ logId: `latchkey-${(loggers += 1)}` });
  const transports = logger.transports;
  transports.file.setAppName('Latchkey');
  transports.file.resolvePathFn = () => file;
  transports.file.maxSize = o.maxBytes ?? 5 * MEGABYTE;
  transports.file.archiveLogFn = (current) => rotate(current.toString(), keep);
  // Owner only: lines name hosts and administrators.
  transports.file.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
  transports.file.format = ({ message }) => [
    JSON.stringify({
      time: message.date.toISOString(),
      level: message.level,
      ...(message.scope ? { topic: message.scope } : {}),
      message: redact(message.data.map(String).join(' ')),
      version: o.version,
    }),
  ];
  transports.console.level = o.echo ? o.level : false;
  if (transports.ipc) transports.ipc.level = false;
  if (transports.remote) transports.remote.level = false;
  let level = o.level;
  transports.file.level = level;
  const of = (write: Pick<Log, LogLevel>): Log => ({
    error: (message) => write.error(message),
    warn: (message) => write.warn(message),
    info: (message) => write.info(message),
    debug: (message) => write.debug(message),
    topic: (name) => of(logger.scope(name)),
  });
  return {
    ...of(logger),
    file,
    level: () => level,
    setLevel(next) {
      level = next;
      transports.file.level = next;
      if (o.echo) transports.console.level = next;
    },
  };
}
