import { create } from 'zustand';

/** The last sentence for screen readers: where the focus went and why (issue 15). */
interface AnnounceState {
  message: string;
  say(message: string): void;
}

export const useAnnounceStore = create<AnnounceState>()((set) => ({
  message: '',
  say: (message) => set({ message }),
}));

/** Moves the focus to `el` and announces `words`; false when there is nothing to focus. */
export function focusAndAnnounce(el: HTMLElement | null | undefined, words: string): boolean {
  if (!el?.isConnected) return false;
  el.focus();
  useAnnounceStore.getState().say(words);
  return true;
}
