import { create } from 'zustand';
import type { AuditFilters } from '../../../common/ipc/audit-contract.ts';

/** The filters of the Audit screen without the connection (that is the screen's own). */
export type AuditFilterValues = Omit<AuditFilters, 'connectionId'>;

/** The filters applied on the Audit screen; kept here so they survive switching screens. */
interface AuditFilterState {
  applied: AuditFilterValues;
  apply(filters: AuditFilterValues): void;
}

export const useAuditFilterStore = create<AuditFilterState>()((set) => ({
  applied: {},
  apply: (applied) => set({ applied }),
}));
