import { create } from 'zustand';
import type { ImportSummary } from '../../common/ipc/account-admin-contract.ts';

/** The file chosen in main's open dialog: its name and size only (the contents stay in main). */
export interface ChosenImport {
  connectionId: string;
  importId: string;
  name: string;
  bytes: number;
}

/** An import under way, as main reports it. */
export interface ImportProgress {
  phase: 'preview' | 'import';
  rows: number;
  bytes: number;
  totalBytes: number;
  rowsPerSecond: number;
  stage: 'reading' | 'checking' | 'writing' | null;
  stageRows: number;
}

/** The Import screen's state (issue 16), kept while the administrator looks at other screens. */
interface ImportState {
  file: ChosenImport | null;
  reason: string;
  ticket: string;
  preview: ImportSummary | null;
  result: ImportSummary | null;
  progress: ImportProgress | null;
  choose(file: ChosenImport): void;
  setWhy(why: { reason?: string; ticket?: string }): void;
  setPreview(preview: ImportSummary | null): void;
  setResult(result: ImportSummary | null): void;
  setProgress(progress: ImportProgress | null): void;
  reset(): void;
}

const EMPTY = { file: null, preview: null, result: null, progress: null };

export const useImportStore = create<ImportState>()((set) => ({
  ...EMPTY,
  reason: '',
  ticket: '',
  choose: (file) => set({ ...EMPTY, file }),
  setWhy: (why) => set(why),
  setPreview: (preview) => set({ preview, result: null }),
  setResult: (result) => set({ result }),
  setProgress: (progress) => set({ progress }),
  reset: () => set({ ...EMPTY, reason: '', ticket: '' }),
}));
