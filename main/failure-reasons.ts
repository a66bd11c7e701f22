import type { ConnectionProblem, FailureReason } from '../common/ipc/failure-reason.ts';
import { IpcFailure, type IpcErrorCode } from '../common/ipc/ipc-failure.ts';

/** The closed code each connection problem answers with (STYLE §4). */
const CODE_OF: Record<ConnectionProblem, IpcErrorCode> = {
  signed_out: 'unauthorized',
  sign_in_again: 'unauthorized',
  locked: 'unauthorized',
  session_ended: 'unauthorized',
  timed_out: 'offline',
  unreachable: 'offline',
  empty_answer: 'unavailable',
  not_understood: 'internal',
  http_status: 'unavailable',
  key_store_unavailable: 'unavailable',
  key_store_plain_text: 'unavailable',
  request_failed: 'internal',
};

/**
 * A failure with its code and its reason as data; the message keeps only the reason's name (for
 * logs and tests), never words: the renderer words the reason (renderer/ipc/failure-words.ts).
 */
export const failureFor = (code: IpcErrorCode, reason: FailureReason, field?: string) =>
  new IpcFailure(code, reason.problem, field, undefined, undefined, reason);

/** A failure on the console's side of connection `name`. */
export const connectionFailure = (
  problem: ConnectionProblem,
  name: string,
  more: { host?: string; status?: number } = {},
): IpcFailure => failureFor(CODE_OF[problem], { problem, name, ...more });
