import { networkFailureWords } from '../../common/ipc/network-failure.ts';
import { IpcFailure, type IpcErrorCode } from './latchkey.ts';

/** What each error code means to the person at the keyboard (STYLE §4: the renderer maps codes to words). */
const HEADLINES: Record<IpcErrorCode, string> = {
  validation_failed: 'Check what you entered',
  bad_input: 'Check what you entered',
  unauthorized: 'Your session has ended: sign in again',
  totp_required: 'Enter the code from your authenticator app',
  totp_invalid: 'That authenticator code did not work',
  totp_enrollment_required: 'This account needs an authenticator app first',
  forbidden: 'Your role does not allow this',
  not_found: 'Not found',
  precondition_failed: 'The account changed since you opened it',
  precondition_required: 'The account version is missing: open the account again',
  conflict: 'Not possible in the account’s current state',
  verification_required: 'Verify the caller first',
  rate_limited: 'Too many attempts for now',
  unavailable: 'The service is unavailable',
  internal: 'Something went wrong on the service',
  offline: 'Cannot reach the service',
};

export interface ErrorWords {
  headline: string;
  /** The service's or main's own sentence, when it adds something to the headline. */
  detail: string | null;
  code: IpcErrorCode | null;
}

/** Words for any error a call can end in. */
export function errorWords(error: unknown): ErrorWords {
  if (error instanceof IpcFailure) {
    const headline = HEADLINES[error.code] ?? HEADLINES.internal;
    const message = error.network ? networkFailureWords(error.network) : error.message;
    const detail = message && message !== headline ? message : null;
    return { headline, detail, code: error.code };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { headline: 'Something went wrong', detail: message || null, code: null };
}

/** The field an error points at, if any. */
export const errorField = (error: unknown): string | undefined =>
  error instanceof IpcFailure ? error.field : undefined;
