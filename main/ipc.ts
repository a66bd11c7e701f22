import type { z } from 'zod';
import { channelOf } from '../common/ipc/channels.ts';
import {
  IPC,
  type IpcContract,
  type IpcOperation,
  type IpcOutput,
  type IpcResult,
} from '../common/ipc/contract.ts';
import { isAppUrl } from './app-protocol.ts';
import { IpcFailure, type IpcFailureResult } from '../common/ipc/ipc-failure.ts';
import { INTERNAL_MESSAGE } from './ipc-failure.ts';

/** An operation's input after its schema ran: defaults filled in, strings trimmed. */
export type IpcParsedInput<K extends IpcOperation> = z.output<IpcContract[K]['input']>;

/**
 * One handler per contract entry. A mapped type, so a missing or misspelt operation is a
 * compile error (STYLE §1).
 */
export type IpcHandlers = {
  [K in IpcOperation]: (input: IpcParsedInput<K>) => Promise<IpcOutput<K>>;
};

/** What the router reads off an `ipcMain.handle` event (Electron's `IpcMainInvokeEvent` fits). */
export interface SenderEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** The slice of `ipcMain` the router uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, raw: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

/** Every operation of the contract, in its order. */
export const OPERATIONS = Object.keys(IPC) as IpcOperation[];

/**
 * The web contents allowed to call (GitHub Desktop's trusted-sender set): a message counts only
 * from one of them, from its top frame, while that frame shows the app's own origin (R109).
 */
export class TrustedSenders {
  private readonly ids = new Set<number>();

  add(contents: { id: number; once(event: 'destroyed', listener: () => void): unknown }): void {
    this.ids.add(contents.id);
    contents.once('destroyed', () => this.ids.delete(contents.id));
  }

  isTrusted(event: SenderEvent): boolean {
    const frame = event.senderFrame;
    if (!frame || !this.ids.has(event.sender.id)) return false;
    // A subframe (an iframe someone managed to add) never speaks for the window.
    if (frame.parent !== null) return false;
    return isAppUrl(frame.url);
  }
}

const FOREIGN: IpcFailureResult = {
  ok: false,
  code: 'forbidden',
  message: 'This request did not come from the Latchkey window.',
};

/** A schema failure as the renderer shows it: the first problem, next to its field. */
function badInput(error: z.ZodError): IpcFailureResult {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return {
    ok: false,
    code: 'bad_input',
    message: issue?.message ?? 'The request is not valid.',
    ...(field ? { field } : {}),
  };
}

export type IpcLog = (message: string) => void;

/** Anything unexpected: logged by kind only (its text may hold a secret), answered generically. */
function internal(op: IpcOperation, error: unknown, log: IpcLog): IpcFailureResult {
  const kind = error instanceof Error ? error.name : typeof error;
  log(`latchkey: ${op} failed unexpectedly (${kind})`);
  return { ok: false, code: 'internal', message: INTERNAL_MESSAGE };
}

/**
 * Runs one call: sender check, input parsed as `unknown` with the contract's schema, the
 * handler, then the output parsed with its schema too, so nothing the contract does not name
 * (a token, say) can leave main even by mistake. Never throws.
 */
export async function dispatch<K extends IpcOperation>(
  op: K,
  handlers: IpcHandlers,
  trusted: (event: SenderEvent) => boolean,
  event: SenderEvent,
  raw: unknown,
  log: IpcLog = console.warn,
): Promise<IpcResult<IpcOutput<K>>> {
  if (!trusted(event)) {
    log(`latchkey: refused ${op} from a foreign sender`);
    return FOREIGN;
  }
  const contract = IPC[op];
  const parsed = contract.input.safeParse(raw);
  if (!parsed.success) return badInput(parsed.error);
  // TypeScript cannot correlate handlers[op] with IPC[op] through the generic key.
  const handler = handlers[op] as (input: unknown) => Promise<unknown>;
  try {
    const value = contract.output.parse(await handler(parsed.data)) as IpcOutput<K>;
    return { ok: true, value };
  } catch (error) {
    return error instanceof IpcFailure ? error.toResult() : internal(op, error, log);
  }
}

/** Registers a handler for every contract entry; answers a function that removes them. */
export function registerIpc(
  ipcMain: IpcMainLike,
  handlers: IpcHandlers,
  trusted: (event: SenderEvent) => boolean,
  log: IpcLog = console.warn,
): () => void {
  for (const op of OPERATIONS) {
    ipcMain.handle(channelOf(op), (event, raw) => dispatch(op, handlers, trusted, event, raw, log));
  }
  return () => OPERATIONS.forEach((op) => ipcMain.removeHandler(channelOf(op)));
}
