import { create } from 'zustand';
import { useVerificationStore } from './verification-store.ts';

/** An account on one connection. */
export interface AccountRef {
  connectionId: string;
  accountId: string;
}

/** The highlighted result and the account open beside the results. */
interface SelectionState {
  activeIndex: number;
  open: AccountRef | null;
  /** Bumped when an account opens from the keyboard, so its heading takes the focus. */
  focusAccount: number;
  setActiveIndex(index: number): void;
  openAccount(ref: AccountRef, fromKeyboard?: boolean): void;
  close(): void;
}

export const useSelectionStore = create<SelectionState>()((set) => ({
  activeIndex: 0,
  open: null,
  focusAccount: 0,
  setActiveIndex: (activeIndex) => set({ activeIndex }),
  openAccount: (open, fromKeyboard = false) => {
    // Another account is another call: its caller starts unverified (SPEC §3).
    useVerificationStore.getState().startCall(open.connectionId, open.accountId);
    set((s) => ({ open, focusAccount: fromKeyboard ? s.focusAccount + 1 : s.focusAccount }));
  },
  close: () => set({ open: null }),
}));
