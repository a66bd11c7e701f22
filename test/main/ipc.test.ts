import { beforeEach, describe, expect, it } from 'vitest';
import { channelOf } from '../../common/ipc/channels.ts';
import { IPC, type IpcOperation } from '../../common/ipc/contract.ts';
import { IpcFailure } from '../../common/ipc/ipc-failure.ts';
import {
  dispatch,
  OPERATIONS,
  registerIpc,
  TrustedSenders,
  type IpcHandlers,
  type SenderEvent,
} from '../../main/ipc.ts';
import { FakeWebContents, ipcMain } from './fake-electron.ts';

const CONNECTION = {
  id: 'c1',
  name: 'Production',
  url: 'https://login.example.org',
  colour: '#1d4ed8',
  managed: false,
  state: 'signed_out' as const,
  admin: null,
};

let called: string[];
let handlers: IpcHandlers;
let window: FakeWebContents;
let trusted: TrustedSenders;
let logged: string[];

beforeEach(() => {
  called = [];
  logged = [];
  handlers = Object.fromEntries(
    OPERATIONS.map((op) => [
      op,
      async () => {
        called.push(op);
        return op === 'listConnections' ? [CONNECTION] : CONNECTION;
      },
    ]),
  ) as unknown as IpcHandlers;
  window = new FakeWebContents();
  trusted = new TrustedSenders();
  trusted.add(window);
});

const fromWindow = (): SenderEvent => ({ sender: window, senderFrame: window.mainFrame });
const call = (op: IpcOperation, raw: unknown, event = fromWindow()) =>
  dispatch(
    op,
    handlers,
    (e) => trusted.isTrusted(e),
    event,
    raw,
    (m) => logged.push(m),
  );

describe('the IPC router', () => {
  it('registers one handler per contract operation, on its channel, and nothing else', () => {
    ipcMain.handlers.clear();
    const remove = registerIpc(ipcMain, handlers, () => true);
    expect([...ipcMain.handlers.keys()].sort()).toEqual(
      (Object.keys(IPC) as IpcOperation[]).map(channelOf).sort(),
    );
    remove();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('the compiler refuses a handler map with an operation missing', () => {
    const partial: Partial<IpcHandlers> = { ...handlers };
    delete partial.copySecret;
    // @ts-expect-error: copySecret is missing, so this is not an IpcHandlers
    const incomplete: IpcHandlers = partial;
    expect(Object.keys(incomplete)).not.toContain('copySecret');
  });

  it('answers a registered call with the handler’s value', async () => {
    ipcMain.handlers.clear();
    registerIpc(ipcMain, handlers, (e) => trusted.isTrusted(e));
    const listener = ipcMain.handlers.get(channelOf('listConnections'));
    expect(await listener?.(fromWindow(), {})).toEqual({ ok: true, value: [CONNECTION] });
  });

  it('R109: bad input is refused as bad_input naming the field, before any handler', async () => {
    const cases: Array<[IpcOperation, unknown, string | undefined]> = [
      ['signIn', { connectionId: 'c1', username: 'ann' }, 'password'],
      ['signIn', { connectionId: 'c1', username: '  ', password: 'x' }, 'username'],
      ['act', { connectionId: 'c1', accountId: 'a', action: 'unlock', version: 'x' }, 'version'],
      ['act', { ...actInput(), action: 'drop-database' }, 'action'],
      ['searchAccounts', { connectionIds: [], q: '' }, 'connectionIds'],
      ['searchAccounts', { connectionIds: ['c1'], q: 'x'.repeat(201) }, 'q'],
      [
        'checkCode',
        { connectionId: 'c1', accountId: 'a', verificationId: 'v', code: '12' },
        'code',
      ],
      ['addConnection', { name: 'P', url: 'javascript:alert(1)', colour: '#000000' }, 'url'],
      ['getAccount', 'c1', undefined],
      ['getAccount', null, undefined],
    ];
    for (const [op, raw, field] of cases) {
      const answer = await call(op, raw);
      expect(answer, `${op} ${JSON.stringify(raw)}`).toMatchObject({
        ok: false,
        code: 'bad_input',
      });
      if (!answer.ok) expect(answer.field, op).toBe(field);
      if (!answer.ok) expect(answer.message.length, op).toBeGreaterThan(0);
    }
    expect(called).toEqual([]);
  });

  it('R109: messages from anything but the window’s top frame on app:// are refused', async () => {
    const stranger = new FakeWebContents();
    const events: Array<[string, SenderEvent]> = [
      ['another web contents', { sender: stranger, senderFrame: stranger.mainFrame }],
      ['a subframe', { sender: window, senderFrame: { url: window.mainFrame.url, parent: {} } }],
      [
        'another origin',
        { sender: window, senderFrame: { url: 'https://evil.test/', parent: null } },
      ],
      [
        'a look-alike host',
        { sender: window, senderFrame: { url: 'app://latchkey.evil/', parent: null } },
      ],
      ['file://', { sender: window, senderFrame: { url: 'file:///out/index.html', parent: null } }],
      ['a gone frame', { sender: window, senderFrame: null }],
    ];
    for (const [what, event] of events) {
      expect(await call('listConnections', {}, event), what).toEqual({
        ok: false,
        code: 'forbidden',
        message: 'This request did not come from the Latchkey window.',
      });
    }
    expect(called).toEqual([]);
    expect(logged).toHaveLength(events.length);
  });

  it('R109: a destroyed window stops being trusted', async () => {
    window.emit('destroyed');
    expect(await call('listConnections', {})).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('an unexpected error is answered generically and logged without its text', async () => {
    handlers.listConnections = async () => {
      throw new Error('Request failed: Authorization: Bearer s3cr3t-token');
    };
    const answer = await call('listConnections', {});
    expect(answer).toEqual({
      ok: false,
      code: 'internal',
      message: 'Something went wrong in the console. Try again in a moment.',
    });
    expect(JSON.stringify([answer, logged])).not.toContain('s3cr3t');
  });

  it('an expected failure keeps its code, message, field and current view', async () => {
    handlers.signIn = async () => {
      throw new IpcFailure('totp_required', 'Enter the six-digit code.', 'totp');
    };
    const raw = { connectionId: 'c1', username: 'ann', password: 'pw' };
    expect(await call('signIn', raw)).toEqual({
      ok: false,
      code: 'totp_required',
      message: 'Enter the six-digit code.',
      field: 'totp',
    });
  });

  it('R113: an output is cut to its schema, so a field the contract does not name never leaves', async () => {
    handlers.listConnections = async () => [
      { ...CONNECTION, accessToken: 'leaked-access', refreshToken: 'leaked-refresh' },
    ];
    const answer = await call('listConnections', {});
    expect(answer).toEqual({ ok: true, value: [CONNECTION] });
    expect(JSON.stringify(answer)).not.toContain('leaked');
  });

  it('an output that breaks its schema is an internal error, not a throw', async () => {
    handlers.copySecret = async () => ({ clearsAt: 'soon' }) as never;
    expect(await call('copySecret', { text: 'K7P-9QX' })).toMatchObject({
      ok: false,
      code: 'internal',
    });
  });
});

function actInput() {
  return {
    connectionId: 'c1',
    accountId: 'a1',
    action: 'unlock',
    version: 1,
    reason: 'caller locked out',
    idempotencyKey: 'key-12345678',
  };
}
