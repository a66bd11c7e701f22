import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';
import { useImportStore } from '../state/import-store.ts';
import { accountKeys } from './accounts.ts';

/** Main's open dialog; the chosen file's name and size come back, never its contents. */
export function useChooseImportFile() {
  return useMutation({
    mutationFn: (input: IpcInput<'chooseImportFile'>) => unwrap(latchkey().chooseImportFile(input)),
    onSuccess: (chosen, input) => {
      if (!chosen.cancelled)
        useImportStore.getState().choose({ ...chosen, connectionId: input.connectionId });
    },
  });
}

/** The dry run: main streams the file to the service; nothing changes. */
export function usePreviewImport() {
  return useMutation({
    mutationFn: (input: IpcInput<'previewImport'>) => unwrap(latchkey().previewImport(input)),
    onMutate: () => {
      useImportStore.getState().setPreview(null);
      useImportStore.getState().setProgress(null);
    },
    onSuccess: (preview) => useImportStore.getState().setPreview(preview),
  });
}

/** The import itself, all rows or none; searches show the new accounts afterwards. */
export function useRunImport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'runImport'>) => unwrap(latchkey().runImport(input)),
    onMutate: () => useImportStore.getState().setProgress(null),
    onSuccess: (result) => {
      useImportStore.getState().setResult(result);
      void qc.invalidateQueries({ queryKey: accountKeys.all });
    },
  });
}

/** Main's save dialog, then the report written from what main kept. */
export function useSaveImportReport() {
  return useMutation({
    mutationFn: (input: IpcInput<'saveImportReport'>) => unwrap(latchkey().saveImportReport(input)),
  });
}
