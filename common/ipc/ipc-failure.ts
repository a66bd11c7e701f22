import type { AccountView } from '../api/account-view.ts';
import type { FailureReason } from './failure-reason.ts';
import type { IpcResult } from './contract.ts';
import type { NetworkFailure } from './network-failure.ts';

/** The failing half of every IPC answer. */
export type IpcFailureResult = Extract<IpcResult<never>, { ok: false }>;

/** The closed set of codes an IPC answer can carry; the renderer maps each to words. */
export type IpcErrorCode = IpcFailureResult['code'];

/**
 * An expected IPC failure with its closed code. Main's handlers throw it and the router answers
 * it as `{ ok: false, … }`; the renderer throws it again from that answer so react-query sees an
 * error that keeps the code, the field and (after a 412) the account as it is now.
 */
export class IpcFailure extends Error {
  override readonly name = 'IpcFailure';

  constructor(
    readonly code: IpcErrorCode,
    message: string,
    readonly field?: string,
    /** The account as it is now, when an action met a newer version (412). */
    readonly current?: AccountView,
    /** Why a request got no answer (`offline`), as data: the renderer words it. */
    readonly network?: NetworkFailure,
    /** Why main refused or failed the call, as data: the renderer words it. */
    readonly reason?: FailureReason,
  ) {
    super(message);
  }

  /** The answer as the renderer receives it. */
  toResult(): IpcFailureResult {
    return {
      ok: false,
      code: this.code,
      message: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...(this.current ? { current: this.current } : {}),
      ...(this.network ? { network: this.network } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
    };
  }
}
