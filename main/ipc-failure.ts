import { IpcFailure } from '../common/ipc/ipc-failure.ts';

/** The plain message of any failure, for places that answer text (a search across connections). */
export function plainMessage(error: unknown): string {
  return error instanceof IpcFailure ? error.message : INTERNAL_MESSAGE;
}

export const INTERNAL_MESSAGE = 'Something went wrong in the console. Try again in a moment.';
