import { create } from 'zustand';

/** Which connection the console works in, and whether search spans every signed-in one. */
interface ConnectionState {
  activeId: string | null;
  /** `all`: one search across every signed-in connection ("which system is this caller in?"). */
  scope: 'active' | 'all';
  setActive(id: string): void;
  setScope(scope: 'active' | 'all'): void;
}

export const useConnectionStore = create<ConnectionState>()((set) => ({
  activeId: null,
  scope: 'active',
  setActive: (id) => set({ activeId: id, scope: 'active' }),
  setScope: (scope) => set({ scope }),
}));
