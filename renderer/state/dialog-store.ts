import { create } from 'zustand';
import type { ActionName } from '../../common/api/actions.ts';
import type { AccountRef } from './selection-store.ts';

/** The one dialog open at a time. */
export type DialogState =
  | ({ kind: 'action'; action: ActionName } & AccountRef)
  | ({ kind: 'resend-mail'; mailId: string } & AccountRef);

interface DialogStore {
  dialog: DialogState | null;
  open(dialog: DialogState): void;
  close(): void;
}

export const useDialogStore = create<DialogStore>()((set) => ({
  dialog: null,
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
}));
