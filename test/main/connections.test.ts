import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startConsoleMain } from '../support/main-process.ts';

// The machine-wide file's connections: test/main/machine-config.test.ts.

describe('connection profiles', () => {
  it('are kept by electron-store and listed after a restart', async () => {
    const first = startConsoleMain();
    const added = await first.ok('addConnection', {
      name: 'Training',
      url: 'https://training.example.org',
      colour: '#1d4ed8',
    });
    expect(added).toMatchObject({
      name: 'Training',
      managed: false,
      state: 'signed_out',
      admin: null,
    });
    expect(first.events).toContainEqual({ type: 'connections-changed' });
    const again = startConsoleMain({ userData: path.dirname(first.storeFile) });
    expect(await again.ok('listConnections', {})).toEqual([added]);
  });

  it('a second connection with the same name is refused next to the name', async () => {
    const h = startConsoleMain();
    await h.ok('addConnection', {
      name: 'Training',
      url: 'https://a.example.org',
      colour: '#1d4ed8',
    });
    expect(
      await h.call('addConnection', {
        name: 'training',
        url: 'https://b.example.org',
        colour: '#1d4ed8',
      }),
    ).toMatchObject({ ok: false, code: 'conflict', field: 'name' });
  });

  it('R94: plain http only for a service on this computer', async () => {
    const h = startConsoleMain();
    expect(
      await h.call('addConnection', {
        name: 'Plain',
        url: 'http://login.example.org',
        colour: '#000000',
      }),
    ).toMatchObject({ ok: false, code: 'bad_input', field: 'url' });
    expect(
      await h.call('addConnection', {
        name: 'Local',
        url: 'http://127.0.0.1:8787',
        colour: '#000000',
      }),
    ).toMatchObject({ ok: true, value: { url: 'http://127.0.0.1:8787' } });
  });
});
