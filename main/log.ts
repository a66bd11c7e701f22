// What main tells IT happened (README "For IT", logs). Callers pass plain sentences built from
// display facts (a host, a connection's name, a status); never a token, password, answer or link.

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The log main writes to: one line per call, kept when its level is at or above the chosen one. */
export interface Log {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** The same log with every line starting `topic: `, so a SIEM rule can pick one subject. */
export function topic(log: Log, name: string): Log {
  return {
    error: (message) => log.error(`${name}: ${message}`),
    warn: (message) => log.warn(`${name}: ${message}`),
    info: (message) => log.info(`${name}: ${message}`),
    debug: (message) => log.debug(`${name}: ${message}`),
  };
}

/** A log that keeps nothing (tests that do not look at it). */
export const silentLog: Log = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** Lines on the process's stderr: development runs only, before the log file is open. */
export const consoleLog: Log = {
  error: (message) => console.error(`latchkey: ${message}`),
  warn: (message) => console.warn(`latchkey: ${message}`),
  info: (message) => console.warn(`latchkey: ${message}`),
  debug: () => undefined,
};
