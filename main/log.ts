// What main tells IT happened (README "For IT", logs). Callers pass plain sentences built from
// display facts (a host, a connection's name, a status); never a token, password, answer or link.

import { LOG_LEVELS } from '../common/ipc/installation-contract.ts';

export { LOG_LEVELS };
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The log main writes to: one line per call, kept when its level is at or above the chosen one. */
export interface Log {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** The same log with the lines marked as about one subject (`network`, `updates`, …). */
  topic(name: string): Log;
}

/** A log that keeps nothing (tests that do not look at it). */
export const silentLog: Log = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  topic: () => silentLog,
};
