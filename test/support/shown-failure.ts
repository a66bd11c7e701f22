import type { IpcResult } from '../../common/ipc/contract.ts';
import { errorWords } from '../../renderer/ipc/error-words.ts';
import { unwrap } from '../../renderer/ipc/latchkey.ts';

/** A failed IPC answer as the renderer words it for the person at the keyboard ('' for a success). */
export async function shownFailure(answer: IpcResult<unknown>): Promise<string> {
  try {
    await unwrap(Promise.resolve(answer));
    return '';
  } catch (error) {
    return errorWords(error).detail ?? '';
  }
}
