import { create } from 'zustand';

/** A control of a product's row that should take the focus once the list shows `displayOrder`. */
export interface RowFocus {
  code: string;
  control: 'up' | 'down' | 'edit';
  /** The position the product must have in the list first (a move waits for the new list). */
  displayOrder?: number;
}

/** The Products screen's UI state: which form is open, and where the focus goes next. */
interface ProductsState {
  /** The code of the product whose edit form is open. */
  editing: string | null;
  adding: boolean;
  focus: RowFocus | null;
  edit(code: string | null): void;
  add(open: boolean): void;
  focusLater(focus: RowFocus | null): void;
}

export const useProductsStore = create<ProductsState>()((set) => ({
  editing: null,
  adding: false,
  focus: null,
  edit: (editing) => set({ editing, adding: false }),
  add: (adding) => set({ adding, editing: null }),
  focusLater: (focus) => set({ focus }),
}));
