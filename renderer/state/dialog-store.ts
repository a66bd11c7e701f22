import { create } from 'zustand';
import type { ActionName } from '../../common/api/actions.ts';
import type { Role } from '../../common/api/auth.ts';
import type { AccountRef } from './selection-store.ts';

/** The one dialog open at a time. */
export type DialogState =
  | ({ kind: 'action'; action: ActionName } & AccountRef)
  | ({ kind: 'resend-mail'; mailId: string } & AccountRef)
  | ({ kind: 'holders' } & AccountRef)
  | ({ kind: 'convert' } & AccountRef)
  /** Issue 16: identity fields, products, organization. */
  | ({ kind: 'identity' } & AccountRef)
  | ({ kind: 'products' } & AccountRef)
  | ({ kind: 'move' } & AccountRef)
  | ({
      kind: 'role';
      change: 'grant' | 'revoke';
      /** The role to revoke (a grant chooses it in the dialog). */
      role?: Role;
      organizationId?: string | null;
    } & AccountRef);

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

/** The dialogs of one generic action or one email resend (ActionDialog). */
export type ActionDialogState = Extract<DialogState, { kind: 'action' | 'resend-mail' }>;
