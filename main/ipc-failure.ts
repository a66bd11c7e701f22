import type { AccountView } from '../common/api/account-view.ts';
import type { IpcResult } from '../common/ipc/contract.ts';

/** The failing half of every IPC answer. */
export type IpcFailureResult = Extract<IpcResult<never>, { ok: false }>;

/** The closed set of codes the renderer maps to words. */
export type IpcErrorCode = IpcFailureResult['code'];

/**
 * An expected failure with a plain message: handlers throw it, the router answers it as
 * `{ ok: false, … }`. Anything else thrown becomes `internal` with a generic message, because
 * an arbitrary error's text may carry a header, a token or a path (R113).
 */
export class IpcFailure extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
    readonly field?: string,
    readonly current?: AccountView,
  ) {
    super(message);
    this.name = 'IpcFailure';
  }

  /** The answer as the renderer receives it. */
  toResult(): IpcFailureResult {
    return {
      ok: false,
      code: this.code,
      message: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...(this.current ? { current: this.current } : {}),
    };
  }
}

/** The plain message of any failure, for places that answer text (a search across connections). */
export function plainMessage(error: unknown): string {
  return error instanceof IpcFailure ? error.message : INTERNAL_MESSAGE;
}

export const INTERNAL_MESSAGE = 'Something went wrong in the console. Try again in a moment.';
