import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineConfigPath, readMachineConfig } from '../../main/connections.ts';
import { startConsoleMain } from '../support/main-process.ts';

const PROD = { name: 'Production', url: 'https://login.example.org/', colour: '#b91c1c' };

function configFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'latchkey-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

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

  it('the machine-wide file preconfigures managed connections the user cannot remove', async () => {
    const machine = readMachineConfig(configFile(JSON.stringify({ connections: [PROD] })));
    const h = startConsoleMain({ machine });
    const [prod] = await h.ok('listConnections', {});
    expect(prod).toMatchObject({
      name: 'Production',
      url: 'https://login.example.org',
      managed: true,
    });
    expect(await h.call('removeConnection', { connectionId: prod?.id ?? '' })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    // The same file on the next start gives the same id, so a kept session still matches.
    const again = startConsoleMain({ machine });
    expect((await again.ok('listConnections', {}))[0]?.id).toBe(prod?.id);
  });

  it('the machine-wide file can forbid adding connections', async () => {
    const machine = readMachineConfig(
      configFile(JSON.stringify({ connections: [PROD], allowUserConnections: false })),
    );
    const h = startConsoleMain({ machine });
    expect(
      await h.call('addConnection', {
        name: 'Mine',
        url: 'https://mine.example.org',
        colour: '#000000',
      }),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    expect((await h.ok('listConnections', {})).map((c) => c.name)).toEqual(['Production']);
  });

  it('an unusable machine-wide file fails closed and says why; a missing one allows adding', () => {
    expect(readMachineConfig(configFile('{ not json'))).toMatchObject({
      connections: [],
      allowUserConnections: false,
      problem: expect.stringContaining('not JSON'),
    });
    expect(
      readMachineConfig(
        configFile(JSON.stringify({ connections: [{ ...PROD, url: 'http://x.org' }] })),
      ),
    ).toMatchObject({ allowUserConnections: false, problem: expect.stringContaining('https') });
    expect(readMachineConfig(configFile(JSON.stringify({ connections: 'all' })))).toMatchObject({
      allowUserConnections: false,
    });
    expect(readMachineConfig('/nonexistent/latchkey/config.json')).toEqual({
      connections: [],
      allowUserConnections: true,
    });
  });

  it('the file’s path: LATCHKEY_CONFIG, else per OS; a packaged build prefers the machine’s file', () => {
    const env = { LATCHKEY_CONFIG: '/tmp/mine.json', ProgramData: 'D:\\Data' };
    expect(machineConfigPath(env, 'linux')).toBe('/tmp/mine.json');
    expect(machineConfigPath({}, 'linux')).toBe('/etc/latchkey/config.json');
    expect(machineConfigPath({}, 'darwin')).toBe(
      '/Library/Application Support/Latchkey/config.json',
    );
    expect(machineConfigPath({ ProgramData: 'D:\\Data' }, 'win32')).toBe(
      'D:\\Data\\Latchkey\\config.json',
    );
    expect(machineConfigPath(env, 'linux', true, () => true)).toBe('/etc/latchkey/config.json');
    expect(machineConfigPath(env, 'linux', true, () => false)).toBe('/tmp/mine.json');
  });
});
