import { z } from 'zod';
import { ORIGINS, SETTING_KEYS } from './installation-contract.ts';

// Why main refused or failed a call, as data sent with the failure's closed code; the renderer
// words it (renderer/ipc/failure-words.ts), as it words a network failure (network-failure.ts).
// Main composes no sentence the person at the keyboard reads (issue 19).

export const CONNECTION_PROBLEMS = [
  /** Never signed in on this computer, or signed out. */
  'signed_out',
  /** The session this computer held is gone (unlocking a connection nobody signed in to). */
  'sign_in_again',
  /** The idle lock: the password again. */
  'locked',
  /** A genuine 401 (R113). */
  'session_ended',
  'timed_out',
  /** No answer, and Chromium named no network error. */
  'unreachable',
  /** An answer with no body. */
  'empty_answer',
  /** An answer the route's schema refused. */
  'not_understood',
  /** An error status without the API's error body. */
  'http_status',
  /** R115: the OS cannot protect the refresh token, so nothing was kept. */
  'key_store_unavailable',
  'key_store_plain_text',
  'request_failed',
] as const;
export type ConnectionProblem = (typeof CONNECTION_PROBLEMS)[number];

export const ConnectionFailureSchema = z.object({
  problem: z.enum(CONNECTION_PROBLEMS),
  /** The connection's name. */
  name: z.string(),
  /** `host` or `host:port` of its address (`unreachable`). */
  host: z.string().optional(),
  /** The HTTP status (`http_status`). */
  status: z.number().int().optional(),
});
export type ConnectionFailure = z.infer<typeof ConnectionFailureSchema>;

/** A setting the user may not change because a machine source sets it. */
export const SetByMachineSchema = z.object({
  problem: z.literal('set_by_machine'),
  setting: z.enum(SETTING_KEYS),
  origin: z.enum(ORIGINS),
});

/** This build is older than the organization's minimum version: nothing but About works. */
export const BuildTooOldSchema = z.object({
  problem: z.literal('build_too_old'),
  version: z.string(),
  required: z.string(),
});

export const FailureReasonSchema = z.union([
  ConnectionFailureSchema,
  SetByMachineSchema,
  BuildTooOldSchema,
]);
export type FailureReason = z.infer<typeof FailureReasonSchema>;
