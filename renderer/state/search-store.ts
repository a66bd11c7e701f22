import { create } from 'zustand';
import type { SearchFilter } from '../../common/api/account-search.ts';

/** The search box and its filters; kept here so they survive switching screens. */
interface SearchState {
  text: string;
  filters: SearchFilter[];
  /** Bumped to ask the search box for the focus (Ctrl/Cmd+K, start, after a dialog). */
  focusRequest: number;
  setText(text: string): void;
  toggleFilter(filter: SearchFilter): void;
  requestFocus(): void;
}

export const useSearchStore = create<SearchState>()((set) => ({
  text: '',
  filters: [],
  focusRequest: 0,
  setText: (text) => set({ text }),
  toggleFilter: (filter) =>
    set((s) => ({
      filters: s.filters.includes(filter)
        ? s.filters.filter((f) => f !== filter)
        : [...s.filters, filter],
    })),
  requestFocus: () => set((s) => ({ focusRequest: s.focusRequest + 1 })),
}));
