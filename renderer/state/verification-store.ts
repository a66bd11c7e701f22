import { create } from 'zustand';
import type { ActionResult, VerificationResult } from '../../common/api/actions.ts';
import { IpcFailure } from '../ipc/latchkey.ts';

const keyOf = (connectionId: string, accountId: string) => `${connectionId}\u0000${accountId}`;

/** Why the caller is no longer verified: an action used the verification, or the call ended. */
export type VerificationEnd =
  { kind: 'used'; action: ActionResult['action'] } | { kind: 'call-ended' };

/**
 * How the caller on the phone was verified, per account: the last answer of the service (a
 * match, or a code sent and waiting). The next action carries a match along and uses it up;
 * a new call (another account, or "End call") starts unverified (SPEC §3).
 */
interface VerificationState {
  byAccount: Record<string, VerificationResult>;
  /** What the verify panel says once a verification is gone, per account. */
  ended: Record<string, VerificationEnd>;
  record(connectionId: string, accountId: string, result: VerificationResult): void;
  /** An action took this verification with it: one verification, one action. */
  used(
    connectionId: string,
    accountId: string,
    verificationId: string,
    action: ActionResult['action'],
  ): void;
  /** The service refused this verification (used or expired): the panel asks again. */
  refused(connectionId: string, accountId: string, verificationId: string): void;
  /** "End call": nothing stays verified; the account's panel says the call ended. */
  endCall(connectionId: string, accountId: string): void;
  /** An account opened: a new call, unless it is the account already on the line. */
  startCall(connectionId: string, accountId: string): void;
  /** Forgets every verification of a connection (signed out, session ended). */
  forgetConnection(connectionId: string): void;
}

const without = <T>(map: Record<string, T>, key: string) =>
  Object.fromEntries(Object.entries(map).filter(([k]) => k !== key));

const only = <T>(map: Record<string, T>, key: string) =>
  Object.fromEntries(Object.entries(map).filter(([k]) => k === key));

const notOf = <T>(map: Record<string, T>, connectionId: string) =>
  Object.fromEntries(Object.entries(map).filter(([k]) => !k.startsWith(`${connectionId}\u0000`)));

export const useVerificationStore = create<VerificationState>()((set) => ({
  byAccount: {},
  ended: {},
  record: (connectionId, accountId, result) =>
    set((s) => {
      const key = keyOf(connectionId, accountId);
      return { byAccount: { ...s.byAccount, [key]: result }, ended: without(s.ended, key) };
    }),
  used: (connectionId, accountId, verificationId, action) =>
    set((s) => {
      const key = keyOf(connectionId, accountId);
      // A newer verification recorded meanwhile is not the one the action used.
      if (s.byAccount[key]?.verificationId !== verificationId) return s;
      return {
        byAccount: without(s.byAccount, key),
        ended: { ...s.ended, [key]: { kind: 'used', action } },
      };
    }),
  refused: (connectionId, accountId, verificationId) =>
    set((s) => {
      const key = keyOf(connectionId, accountId);
      if (s.byAccount[key]?.verificationId !== verificationId) return s;
      return { byAccount: without(s.byAccount, key) };
    }),
  endCall: (connectionId, accountId) =>
    set({ byAccount: {}, ended: { [keyOf(connectionId, accountId)]: { kind: 'call-ended' } } }),
  startCall: (connectionId, accountId) =>
    set((s) => {
      const key = keyOf(connectionId, accountId);
      return { byAccount: only(s.byAccount, key), ended: only(s.ended, key) };
    }),
  forgetConnection: (connectionId) =>
    set((s) => ({
      byAccount: notOf(s.byAccount, connectionId),
      ended: notOf(s.ended, connectionId),
    })),
}));

/** An action succeeded: the verification it carried, if any, is used up (SPEC §3). */
export function verificationUsedBy(
  input: { connectionId: string; accountId: string; verificationId?: string | undefined },
  result: Pick<ActionResult, 'action'>,
): void {
  if (!input.verificationId) return;
  useVerificationStore
    .getState()
    .used(input.connectionId, input.accountId, input.verificationId, result.action);
}

/** An action was refused for its verification (403 verification_required): forget that one. */
export function verificationRefused(
  input: { connectionId: string; accountId: string; verificationId?: string | undefined },
  error: unknown,
): void {
  const refused =
    error instanceof IpcFailure &&
    error.code === 'verification_required' &&
    error.field === 'verificationId';
  if (!refused || !input.verificationId) return;
  useVerificationStore
    .getState()
    .refused(input.connectionId, input.accountId, input.verificationId);
}

/** The verification on record for an account, if any. */
export const useVerification = (
  connectionId: string,
  accountId: string,
): VerificationResult | undefined =>
  useVerificationStore((s) => s.byAccount[keyOf(connectionId, accountId)]);

/** Why the account's caller is no longer verified, if a verification ended. */
export const useVerificationEnd = (
  connectionId: string,
  accountId: string,
): VerificationEnd | undefined =>
  useVerificationStore((s) => s.ended[keyOf(connectionId, accountId)]);

/** A match still in force: the one an action may carry. */
export const liveMatch = (
  v: VerificationResult | undefined,
  now: number,
): VerificationResult | undefined =>
  v && v.result === 'match' && v.expiresAt > now ? v : undefined;
