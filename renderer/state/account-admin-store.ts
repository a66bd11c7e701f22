import { create } from 'zustand';

/** The New account dialog (issue 16): open on one connection, or closed. */
interface AccountAdminState {
  creatingOn: string | null;
  startCreate(connectionId: string): void;
  closeCreate(): void;
}

export const useAccountAdminStore = create<AccountAdminState>()((set) => ({
  creatingOn: null,
  startCreate: (creatingOn) => set({ creatingOn }),
  closeCreate: () => set({ creatingOn: null }),
}));
