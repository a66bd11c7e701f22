import { ipcRenderer } from 'electron';
import { channelOf } from '../common/ipc/channels.ts';
import type { IpcInput, IpcOperation, IpcOutput, IpcResult } from '../common/ipc/contract.ts';

export type Operation<K extends IpcOperation> = (
  input: IpcInput<K>,
) => Promise<IpcResult<IpcOutput<K>>>;

/** The bridge function of one operation: its own channel, the input as given. */
export const operation =
  <K extends IpcOperation>(op: K): Operation<K> =>
  (input) =>
    ipcRenderer.invoke(channelOf(op), input) as Promise<IpcResult<IpcOutput<K>>>;
