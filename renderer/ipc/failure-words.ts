import type {
  ConnectionFailure,
  ConnectionProblem,
  FailureReason,
} from '../../common/ipc/failure-reason.ts';
import type { IpcFailureResult } from '../../common/ipc/ipc-failure.ts';
import { ORIGIN_CLAUSE, SETTING_LABELS } from '../features/about/about-words.ts';

const KEY_STORE = 'Ask IT to enable the key store.';

/** Each problem main reports about a connection, in words (STYLE §4). */
const WORDS: Record<ConnectionProblem, (f: ConnectionFailure) => string> = {
  signed_out: (f) => `Sign in to ${f.name} first.`,
  sign_in_again: (f) => `Sign in to ${f.name} again.`,
  locked: (f) => `${f.name} is locked: enter your password.`,
  session_ended: (f) => `Your session with ${f.name} has ended. Sign in again.`,
  timed_out: (f) => `${f.name} did not answer in time. Try again in a moment.`,
  unreachable: (f) =>
    `Cannot reach ${f.name}${f.host ? ` (${f.host})` : ''}. Check the network or the address.`,
  empty_answer: (f) => `${f.name} sent no answer.`,
  not_understood: (f) => `${f.name} answered something the console does not understand.`,
  http_status: (f) => `${f.name} answered HTTP ${f.status ?? 'with an error'}.`,
  key_store_unavailable: () =>
    `This computer’s key store is not available (safeStorage), so the console will not store the session. ${KEY_STORE}`,
  key_store_plain_text: () =>
    `This computer has no key store for secrets (safeStorage would keep them in plain text), so the console will not store the session. ${KEY_STORE}`,
  request_failed: (f) => `${f.name}: request failed.`,
};

/** Why main refused or failed a call, in words. */
export function failureReasonWords(reason: FailureReason): string {
  switch (reason.problem) {
    case 'set_by_machine':
      return `The ${SETTING_LABELS[reason.setting].toLowerCase()} is set by ${ORIGIN_CLAUSE[reason.origin]}.`;
    case 'build_too_old':
      return `This version of Latchkey (${reason.version}) is older than your organization allows (${reason.required} or later). Install the current version.`;
    default:
      return WORDS[reason.problem](reason);
  }
}

/** Codes whose words are the console's own, whatever the service's message said. */
const CODE_WORDS: Partial<Record<IpcFailureResult['code'], string>> = {
  totp_enrollment_required:
    'This account has no authenticator app yet. Ask an administrator to help you set one up.',
};

/** The sentence an IPC failure shows: main's data worded here, or the service's own message. */
export function failureMessage(result: IpcFailureResult): string {
  if (result.reason) return failureReasonWords(result.reason);
  return CODE_WORDS[result.code] ?? result.message;
}
