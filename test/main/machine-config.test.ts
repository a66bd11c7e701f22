import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  machineConfigPath,
  noMachineConfig,
  perOsConfigPath,
  readMachineConfig,
} from '../../main/machine-config.ts';
import { updatesRefusal } from '../../main/updates.ts';
import { startConsoleMain } from '../support/main-process.ts';

const PROD = { name: 'Production', url: 'https://login.example.org/', colour: '#b91c1c' };
const TRAINING = { name: 'Training', url: 'https://training.example.org' };
const MINE = { name: 'Mine', url: 'https://mine.example.org', colour: '#000000' };

function configFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'latchkey-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}
const fileWith = (config: unknown) => configFile(JSON.stringify(config));

/** The problem the file gets, with the file's own name taken off the front. */
function problemOf(config: unknown): string | undefined {
  const file = typeof config === 'string' ? configFile(config) : fileWith(config);
  const machine = readMachineConfig(file);
  expect(machine).toMatchObject({ connections: [], allowUserConnections: false, file });
  return machine.problem?.replace(`${file}: `, '');
}

describe('the machine-wide configuration file', () => {
  it('preconfigures managed connections the user cannot remove, with the same id on every start', async () => {
    const file = fileWith({ connections: [PROD, TRAINING] });
    const machine = readMachineConfig(file);
    const h = startConsoleMain({ machine });
    const [prod, training] = await h.ok('listConnections', {});
    expect(prod).toMatchObject({ name: 'Production', url: 'https://login.example.org' });
    expect(prod?.managed).toBe(true);
    // No colour in the file: one from the palette, so every connection still has its own.
    expect(training?.colour).toMatch(/^#[0-9a-f]{6}$/);
    expect(training?.colour).not.toBe(prod?.colour);
    expect(await h.call('removeConnection', { connectionId: prod?.id ?? '' })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    const again = startConsoleMain({ machine: readMachineConfig(file) });
    expect((await again.ok('listConnections', {}))[0]?.id).toBe(prod?.id);
    expect(await h.ok('getMachineSettings', {})).toEqual({
      managedBy: file,
      problem: null,
      allowUserConnections: true,
      idleLockMinutes: null,
      updatesFrom: null,
    });
  });

  it('can forbid adding connections, set the idle lock and the update address', async () => {
    const file = fileWith({
      connections: [PROD],
      allowUserConnections: false,
      idleLockMinutes: 10,
      updates: { url: 'https://updates.example.org/latchkey/' },
    });
    const h = startConsoleMain({ machine: readMachineConfig(file) });
    expect(await h.call('addConnection', MINE)).toMatchObject({ ok: false, code: 'forbidden' });
    expect((await h.ok('listConnections', {})).map((c) => c.name)).toEqual(['Production']);
    expect(await h.ok('getMachineSettings', {})).toEqual({
      managedBy: file,
      problem: null,
      allowUserConnections: false,
      idleLockMinutes: 10,
      updatesFrom: 'https://updates.example.org/latchkey/',
    });
  });

  it('missing: nothing managed, adding allowed, no updates, nothing to report', async () => {
    const machine = readMachineConfig(path.join(tmpdir(), 'no-such-dir', 'config.json'));
    expect(machine).toEqual(noMachineConfig());
    expect(machine).toEqual({ connections: [], allowUserConnections: true });
    const h = startConsoleMain({ machine });
    expect(await h.call('addConnection', MINE)).toMatchObject({ ok: true });
    expect(await h.ok('getMachineSettings', {})).toMatchObject({
      managedBy: null,
      problem: null,
      allowUserConnections: true,
    });
  });

  it('malformed JSON is refused and says so', () => {
    expect(problemOf('{ "connections": [ }')).toMatch(/is not valid JSON \(.+\)$/);
  });

  it('wrong types are refused, each named by its path', () => {
    expect(problemOf({ connections: 'all' })).toBe('connections: Enter a list of connections');
    expect(problemOf({ allowUserConnections: 'no' })).toBe(
      'allowUserConnections: Enter true or false',
    );
    expect(problemOf({ idleLockMinutes: '10' })).toBe(
      'idleLockMinutes: Enter a whole number of minutes',
    );
    expect(problemOf({ idleLockMinutes: 0 })).toBe('idleLockMinutes: Enter 1 to 240 minutes');
    expect(problemOf({ connections: [PROD, { ...TRAINING, name: 7 }] })).toBe(
      'connections[1].name: Give the connection a name (text)',
    );
    expect(problemOf([PROD])).toMatch(/^\(the whole file\): /);
  });

  it('unknown settings are refused rather than ignored: a misspelt restriction must not pass', () => {
    expect(problemOf({ allowUserConnection: false })).toBe(
      'allowUserConnection: not a setting Latchkey knows',
    );
    expect(problemOf({ connections: [{ ...TRAINING, color: '#000000' }] })).toBe(
      'connections[0].color: not a setting Latchkey knows',
    );
    expect(problemOf({ updates: { url: 'https://u.example.org', ring: 'beta' } })).toBe(
      'updates.ring: not a setting Latchkey knows',
    );
  });

  it('R94: a connection over plain http is refused, except to this computer', () => {
    expect(problemOf({ connections: [PROD, { ...TRAINING, url: 'http://x.example.org' }] })).toBe(
      'connections[1].url: Enter an https:// address',
    );
    expect(problemOf({ connections: [{ ...TRAINING, url: 'not an address' }] })).toBe(
      'connections[0].url: Enter an https:// address',
    );
    const local = readMachineConfig(
      fileWith({ connections: [{ ...TRAINING, url: 'http://127.0.0.1:8787' }] }),
    );
    expect(local.problem).toBeUndefined();
  });

  it('R125: an update address over plain http is refused', () => {
    expect(problemOf({ updates: { url: 'http://updates.example.org' } })).toBe(
      'updates.url: Enter an https:// address',
    );
    expect(problemOf({ updates: { url: 'http://127.0.0.1:9000' } })).toBe(
      'updates.url: Enter an https:// address',
    );
  });

  it('a colour that is not #rrggbb is refused', () => {
    expect(problemOf({ connections: [{ ...TRAINING, colour: 'red' }] })).toBe(
      'connections[0].colour: Enter a colour as #rrggbb',
    );
  });

  it('issue 17: a proxy override and a CA bundle are read; Chromium gets its own form of the proxy', () => {
    const pem = readFileSync(
      path.join(import.meta.dirname, 'fixtures', 'hospital-root.pem'),
      'utf8',
    );
    const bundle = configFile(`# the hospital's inspection root\n${pem}`);
    const machine = readMachineConfig(
      fileWith({
        network: {
          caBundleFile: bundle,
          proxy: {
            mode: 'fixed_servers',
            server: 'proxy.hospital.example:8080',
            bypassList: '<local>, *.hospital.example',
          },
        },
      }),
    );
    expect(machine.problem).toBeUndefined();
    expect(machine.network?.proxy).toEqual({
      mode: 'fixed_servers',
      proxyRules: 'proxy.hospital.example:8080',
      proxyBypassRules: '<local>, *.hospital.example',
    });
    expect(machine.network?.caBundleFile).toBe(bundle);
    expect(machine.network?.authorities?.map((c) => c.subject)).toEqual([
      'CN=Hospital Fixture Root CA',
    ]);
    const pac = readMachineConfig(
      fileWith({
        network: { proxy: { mode: 'pac_script', pacUrl: 'http://wpad.hospital.example/wpad.dat' } },
      }),
    );
    expect(pac.network?.proxy).toEqual({
      mode: 'pac_script',
      pacScript: 'http://wpad.hospital.example/wpad.dat',
    });
  });

  it('issue 17: network settings that cannot work are refused, each named by its path', () => {
    expect(problemOf({ network: { proxy: { mode: 'auto' } } })).toBe(
      'network.proxy.mode: Enter one of system, direct, auto_detect, pac_script, fixed_servers',
    );
    expect(problemOf({ network: { proxy: { mode: 'fixed_servers' } } })).toBe(
      'network.proxy.server: fixed_servers needs server',
    );
    expect(problemOf({ network: { proxy: { mode: 'direct', server: 'p:8080' } } })).toBe(
      'network.proxy.server: only with mode fixed_servers',
    );
    expect(
      problemOf({ network: { proxy: { mode: 'fixed_servers', server: 'http://ann:pw@p:8080' } } }),
    ).toBe('network.proxy.server: Enter the proxy as host:port (no user name or password)');
    expect(problemOf({ network: { caBundleFile: 'certs/root.pem' } })).toBe(
      'network.caBundleFile: Enter the full path of a PEM file',
    );
    const missing = path.join(tmpdir(), 'no-such-dir', 'root.pem');
    expect(problemOf({ network: { caBundleFile: missing } })).toBe(
      `network.caBundleFile: ${missing} could not be read (ENOENT)`,
    );
    const empty = configFile('not a certificate');
    expect(problemOf({ network: { caBundleFile: empty } })).toBe(
      `network.caBundleFile: ${empty} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  });

  it('several problems are all named, one after the other', () => {
    const problem = problemOf({ connections: [{ ...PROD, colour: 'red' }], idleLockMinutes: 999 });
    expect(problem).toBe(
      'connections[0].colour: Enter a colour as #rrggbb; idleLockMinutes: Enter 1 to 240 minutes',
    );
  });

  it('a file that cannot be read is refused with the reason', () => {
    const denied = Object.assign(new Error('EACCES'), { code: 'EACCES' });
    const machine = readMachineConfig('/etc/latchkey/config.json', () => {
      throw denied;
    });
    expect(machine).toMatchObject({
      connections: [],
      allowUserConnections: false,
      problem: '/etc/latchkey/config.json could not be read (EACCES)',
    });
  });

  it('refused: fails closed (no connection at all, none can be added, no updates) and the renderer hears why', async () => {
    const first = startConsoleMain();
    await first.ok('addConnection', MINE);
    const file = fileWith({
      connections: [PROD],
      allowUserConnections: true,
      updates: { url: 'https://updates.example.org' },
      surprise: 1,
    });
    const machine = readMachineConfig(file);
    const h = startConsoleMain({ machine, userData: path.dirname(first.storeFile) });
    // Neither the file's connections nor the user's own: the file is there, so IT manages
    // this machine, and a typo in it must not lift its restrictions.
    expect(await h.ok('listConnections', {})).toEqual([]);
    expect(await h.call('addConnection', { ...MINE, name: 'Other' })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await h.ok('getMachineSettings', {})).toEqual({
      managedBy: file,
      problem: `${file}: surprise: not a setting Latchkey knows`,
      allowUserConnections: false,
      idleLockMinutes: null,
      updatesFrom: null,
    });
    expect(updatesRefusal(machine, true, 'darwin')).not.toBeNull();
    // The user's own connection is only hidden: a fixed file brings it back.
    const fixed = startConsoleMain({
      machine: readMachineConfig(fileWith({ connections: [PROD] })),
      userData: path.dirname(first.storeFile),
    });
    expect((await fixed.ok('listConnections', {})).map((c) => c.name)).toEqual([
      'Production',
      'Mine',
    ]);
  });

  it('its place: documented per OS; a packaged build reads only there, never LATCHKEY_CONFIG', () => {
    const env = { LATCHKEY_CONFIG: '/tmp/mine.json', ProgramData: 'D:\\Data' };
    expect(perOsConfigPath('linux')).toBe('/etc/latchkey/config.json');
    expect(perOsConfigPath('darwin')).toBe('/Library/Application Support/Latchkey/config.json');
    expect(perOsConfigPath('win32', env)).toBe('D:\\Data\\Latchkey\\config.json');
    expect(perOsConfigPath('win32', {})).toBe('C:\\ProgramData\\Latchkey\\config.json');
    expect(machineConfigPath(env, 'linux')).toBe('/tmp/mine.json');
    expect(machineConfigPath({}, 'linux')).toBe('/etc/latchkey/config.json');
    expect(machineConfigPath(env, 'linux', true)).toBe('/etc/latchkey/config.json');
    expect(machineConfigPath(env, 'win32', true)).toBe('D:\\Data\\Latchkey\\config.json');
  });
});
