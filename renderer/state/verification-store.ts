import { create } from 'zustand';
import type { VerificationResult } from '../../common/api/actions.ts';

const keyOf = (connectionId: string, accountId: string) => `${connectionId}\u0000${accountId}`;

/**
 * How the caller on the phone was verified, per account: the last answer of the service (a
 * match, or a code sent and waiting). The next action carries a match along (SPEC §3).
 */
interface VerificationState {
  byAccount: Record<string, VerificationResult>;
  record(connectionId: string, accountId: string, result: VerificationResult): void;
  /** Forgets every verification of a connection (signed out, session ended). */
  forgetConnection(connectionId: string): void;
}

export const useVerificationStore = create<VerificationState>()((set) => ({
  byAccount: {},
  record: (connectionId, accountId, result) =>
    set((s) => ({ byAccount: { ...s.byAccount, [keyOf(connectionId, accountId)]: result } })),
  forgetConnection: (connectionId) =>
    set((s) => ({
      byAccount: Object.fromEntries(
        Object.entries(s.byAccount).filter(([k]) => !k.startsWith(`${connectionId}\u0000`)),
      ),
    })),
}));

/** The verification on record for an account, if any. */
export const useVerification = (
  connectionId: string,
  accountId: string,
): VerificationResult | undefined =>
  useVerificationStore((s) => s.byAccount[keyOf(connectionId, accountId)]);

/** A match still in force: the one an action may carry. */
export const liveMatch = (
  v: VerificationResult | undefined,
  now: number,
): VerificationResult | undefined =>
  v && v.result === 'match' && v.expiresAt > now ? v : undefined;
