import { beforeAll, describe, expect, it } from 'vitest';
import { channelOf, EVENT_CHANNEL } from '../../common/ipc/channels.ts';
import { IPC, type IpcEvent } from '../../common/ipc/contract.ts';
import type { LatchkeyApi } from '../../preload/index.ts';
import { contextBridge, ipcRenderer } from '../main/fake-electron.ts';

let api: LatchkeyApi;

beforeAll(async () => {
  await import('../../preload/index.ts');
  api = contextBridge.exposed.get('latchkey') as LatchkeyApi;
});

describe('the preload bridge', () => {
  it('R112: exposes exactly one function per contract operation, plus onEvent', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['latchkey']);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(IPC), 'onEvent'].sort());
    for (const value of Object.values(api)) expect(value).toBeTypeOf('function');
    for (const generic of ['invoke', 'send', 'on', 'ipcRenderer'])
      expect(api, generic).not.toHaveProperty(generic);
  });

  it('each function invokes its own channel with the input as given', async () => {
    ipcRenderer.invoked.length = 0;
    const input = { connectionIds: ['c1'], q: 'ali' };
    await api.searchAccounts(input);
    await api.listConnections({});
    expect(ipcRenderer.invoked).toEqual([
      { channel: channelOf('searchAccounts'), args: [input] },
      { channel: channelOf('listConnections'), args: [{}] },
    ]);
  });

  it('R112: event callbacks get the payload only, never Electron’s event; unsubscribe works', () => {
    const received: unknown[][] = [];
    const off = api.onEvent((...args: unknown[]) => received.push(args));
    const event: IpcEvent = { type: 'locked', connectionId: 'c1' };
    ipcRenderer.emit(EVENT_CHANNEL, { sender: ipcRenderer, ports: [] }, event);
    expect(received).toEqual([[event]]);
    off();
    ipcRenderer.emit(EVENT_CHANNEL, { sender: ipcRenderer }, event);
    expect(received).toHaveLength(1);
    expect(ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
  });
});
