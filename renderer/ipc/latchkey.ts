import type { IpcResult } from '../../common/ipc/contract.ts';
import { IpcFailure, type IpcErrorCode } from '../../common/ipc/ipc-failure.ts';
import type { LatchkeyApi } from '../../preload/index.ts';
import { failureMessage } from './failure-words.ts';

export type { LatchkeyApi };

declare global {
  interface Window {
    latchkey: LatchkeyApi;
  }
}

export { IpcFailure, type IpcErrorCode };

/** The preload's API; throws a readable failure when the page runs without it. */
export function latchkey(): LatchkeyApi {
  const api = (window as Partial<Window>).latchkey;
  if (!api) throw new IpcFailure('offline', 'The console is not connected to its main process.');
  return api;
}

/** Awaits an IPC answer: its value, or an `IpcFailure` with the closed code. */
export async function unwrap<T>(answer: Promise<IpcResult<T>>): Promise<T> {
  let result: IpcResult<T>;
  try {
    result = await answer;
  } catch (error) {
    // Electron keeps only an error's message across IPC; anything thrown is a transport failure.
    throw new IpcFailure('offline', error instanceof Error ? error.message : String(error));
  }
  if (result.ok) return result.value;
  // Main answers codes and data; the words are the renderer's (issue 19).
  throw new IpcFailure(
    result.code,
    failureMessage(result),
    result.field,
    result.current,
    result.network,
    result.reason,
  );
}
