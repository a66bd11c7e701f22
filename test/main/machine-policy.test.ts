import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  posixTrustProblem,
  untrustedWriter,
  windowsTrustProblem,
} from '../../main/policy/folder-trust.ts';
import { layerOfPreferences, MANAGED_PLIST } from '../../main/policy/macos-policy.ts';
import { readMachinePolicy, type PolicyDeps } from '../../main/policy/machine-policy.ts';
import { parseSddl } from '../../main/policy/sddl.ts';
import { layerOfRegistry, parseRegQuery, POLICY_KEY } from '../../main/policy/windows-policy.ts';
import { startConsoleMain } from '../support/main-process.ts';

// Issue 17: managed policy from the platform's own mechanisms, merged setting by setting:
// machine policy (Windows registry, macOS profile) > the machine-wide JSON file > the user's own
// settings. Registry and plist sources are fixtures in the formats `reg query` prints and macOS
// writes to /Library/Managed Preferences; the JSON file and its folder are real files.

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const REG_QUERY = readFileSync(path.join(FIXTURES, 'reg-query-policy.txt'), 'utf8');
const PLIST = readFileSync(path.join(FIXTURES, 'org.latchkey.console.plist'));

/** A folder only its owner writes, with config.json holding `json`. */
function configFile(json: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-policy-'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'config.json');
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json), { mode: 0o644 });
  return file;
}

const JSON_FILE = {
  connections: [{ name: 'From the file', url: 'https://file.hospital.example' }],
  idleLockMinutes: 20,
  logLevel: 'debug',
  updates: { url: 'https://file-updates.hospital.example/', channel: 'latest' },
};

/** The registry as reg.exe answers: the fixture, or "key not found" (exit 1). */
const regRun =
  (output: string | null): NonNullable<PolicyDeps['run']> =>
  async (command, args) => {
    expect(command).toBe('C:\\Windows\\System32\\reg.exe');
    expect(args).toEqual(['query', POLICY_KEY, '/s']);
    return output === null ? { code: 1, stdout: '' } : { code: 0, stdout: output };
  };

const trusted = async () => null;

describe('Windows policy from `reg query` output', () => {
  it('parses values of every type and the Connections list, in order', () => {
    const keys = parseRegQuery(REG_QUERY);
    expect([...keys.keys()]).toEqual([POLICY_KEY, `${POLICY_KEY}\\Connections`]);
    expect(keys.get(POLICY_KEY)).toContainEqual({
      name: 'UpdatePublisherName',
      type: 'REG_MULTI_SZ',
      data: [
        'CN=Latchkey Ltd, O=Latchkey Ltd, L=Leeds, C=GB',
        'CN=Latchkey Signing 2027, O=Latchkey Ltd, C=GB',
      ],
    });
    expect(keys.get(POLICY_KEY)).toContainEqual({
      name: 'IdleLockMinutes',
      type: 'REG_DWORD',
      data: 10,
    });
    expect(layerOfRegistry(keys)).toEqual({
      problems: [],
      layer: {
        allowUserConnections: false,
        idleLockMinutes: 10,
        logLevel: 'warn',
        updates: {
          url: 'https://updates.hospital.example/latchkey/',
          publisherName: [
            'CN=Latchkey Ltd, O=Latchkey Ltd, L=Leeds, C=GB',
            'CN=Latchkey Signing 2027, O=Latchkey Ltd, C=GB',
          ],
          deferDays: 7,
        },
        network: {
          proxy: {
            mode: 'fixed_servers',
            server: 'proxy.hospital.example:8080',
            bypassList: '<local>, *.hospital.example',
          },
        },
        connections: [
          { name: 'Production', url: 'https://login.hospital.example' },
          { name: 'Training region 2', url: 'https://training.hospital.example' },
        ],
      },
    });
  });

  it('precedence: Windows policy > JSON file > user settings, setting by setting, each origin told', async () => {
    const file = configFile(JSON_FILE);
    const machine = await readMachinePolicy({
      platform: 'win32',
      packaged: false,
      env: { LATCHKEY_CONFIG: file, SystemRoot: 'C:\\Windows' },
      userSettings: { logLevel: 'error' },
      run: regRun(REG_QUERY),
      trust: trusted,
    });
    expect(machine.problem).toBeUndefined();
    // Policy wins where it speaks…
    expect(machine.connections.map((c) => c.name)).toEqual(['Production', 'Training region 2']);
    expect(machine.allowUserConnections).toBe(false);
    expect(machine.idleLockMinutes).toBe(10);
    expect(machine.logLevel).toBe('warn');
    expect(machine.updates).toEqual({
      url: 'https://updates.hospital.example/latchkey/',
      publisherName: [
        'CN=Latchkey Ltd, O=Latchkey Ltd, L=Leeds, C=GB',
        'CN=Latchkey Signing 2027, O=Latchkey Ltd, C=GB',
      ],
      deferDays: 7,
      // …and the file fills in what policy leaves unsaid.
      channel: 'latest',
    });
    expect(machine.network?.proxy).toEqual({
      mode: 'fixed_servers',
      proxyRules: 'proxy.hospital.example:8080',
      proxyBypassRules: '<local>, *.hospital.example',
    });
    expect(machine.policy?.origins).toMatchObject({
      connections: 'windows-policy',
      idleLockMinutes: 'windows-policy',
      logLevel: 'windows-policy',
      updateUrl: 'windows-policy',
      updateChannel: 'config-file',
      minimumVersion: 'default',
      proxy: 'windows-policy',
    });
    expect(machine.policy?.sources.map((s) => [s.kind, s.state])).toEqual([
      ['windows-policy', 'applied'],
      ['config-file', 'applied'],
      ['user-settings', 'applied'],
    ]);
  });

  it('without policy the JSON file decides, and the user’s own log level fills the gap', async () => {
    const file = configFile({ ...JSON_FILE, logLevel: undefined });
    const machine = await readMachinePolicy({
      platform: 'win32',
      packaged: false,
      env: { LATCHKEY_CONFIG: file, SystemRoot: 'C:\\Windows' },
      userSettings: { logLevel: 'error' },
      run: regRun(null),
      trust: trusted,
    });
    expect(machine.connections.map((c) => c.name)).toEqual(['From the file']);
    expect(machine.idleLockMinutes).toBe(20);
    expect(machine.logLevel).toBe('error');
    expect(machine.policy?.origins).toMatchObject({
      logLevel: 'user-settings',
      idleLockMinutes: 'config-file',
    });
    expect(machine.policy?.sources[0]).toEqual({
      kind: 'windows-policy',
      location: POLICY_KEY,
      state: 'absent',
    });
  });

  it('a wrong or unknown registry value is refused by its value name, and nothing applies (fail closed)', async () => {
    const wrong = REG_QUERY.replace(
      'ProxyMode    REG_SZ    fixed_servers',
      'ProxyMode    REG_SZ    manual',
    ).replace(
      '    LogLevel    REG_SZ    warn',
      '    LogLevel    REG_SZ    warn\r\n    AllowUserConnection    REG_DWORD    0x0',
    );
    const machine = await readMachinePolicy({
      platform: 'win32',
      packaged: false,
      env: { LATCHKEY_CONFIG: configFile(JSON_FILE), SystemRoot: 'C:\\Windows' },
      userSettings: undefined,
      run: regRun(wrong),
      trust: trusted,
    });
    expect(machine).toMatchObject({ connections: [], allowUserConnections: false });
    expect(machine.problem).toBe(
      `${POLICY_KEY}: AllowUserConnection: not a setting Latchkey knows; ProxyMode: Enter one of system, direct, auto_detect, pac_script, fixed_servers`,
    );
    expect(machine.policy?.sources.map((s) => s.state)).toEqual(['refused', 'refused', 'absent']);
  });
});

describe('macOS managed preferences (a configuration profile)', () => {
  /** The JSON file is real; the managed plist is what the test gives. */
  const darwin = (json: string, plist: Buffer, run?: PolicyDeps['run']): PolicyDeps => ({
    platform: 'darwin',
    packaged: false,
    env: { LATCHKEY_CONFIG: json },
    userSettings: undefined,
    readFile: async (file) => {
      const found = ({ [json]: json, [MANAGED_PLIST]: plist } as Record<string, Buffer | string>)[
        file
      ];
      if (found === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return typeof found === 'string' ? readFile(found) : found;
    },
    trust: trusted,
    ...(run ? { run } : {}),
  });

  it('the profile wins over the JSON file; payload bookkeeping keys are not settings', async () => {
    const json = configFile(JSON_FILE);
    const machine = await readMachinePolicy(darwin(json, PLIST));
    expect(machine.problem).toBeUndefined();
    expect(machine.connections).toEqual([
      { name: 'Production', url: 'https://login.hospital.example', colour: '#b91c1c' },
    ]);
    expect(machine.minimumVersion).toBe('0.2.0');
    expect(machine.updates).toEqual({
      url: 'https://updates.hospital.example/latchkey/',
      channel: 'beta',
      pin: '0.2',
    });
    expect(machine.idleLockMinutes).toBe(20);
    expect(machine.policy?.origins).toMatchObject({
      updateChannel: 'macos-profile',
      idleLockMinutes: 'config-file',
    });
  });

  it('a binary plist is turned into XML by plutil first', async () => {
    const binary = Buffer.concat([Buffer.from('bplist00'), Buffer.alloc(32)]);
    const calls: string[][] = [];
    const machine = await readMachinePolicy(
      darwin(configFile({}), binary, async (command, args) => {
        calls.push([command, ...args]);
        return { code: 0, stdout: PLIST.toString('utf8') };
      }),
    );
    expect(calls).toEqual([['/usr/bin/plutil', '-convert', 'xml1', '-o', '-', MANAGED_PLIST]]);
    expect(machine.minimumVersion).toBe('0.2.0');
  });

  it('a profile key Latchkey does not know is refused by its name', () => {
    const xml = PLIST.toString('utf8').replace('<key>UpdatePin</key>', '<key>UpdatePinned</key>');
    expect(layerOfPreferences(xml).problems).toEqual([
      'UpdatePinned: not a setting Latchkey knows',
    ]);
  });
});

describe('a configuration folder writable by non-administrators is refused, with the fix', () => {
  const posix = { uids: [0, process.getuid?.() ?? 0], gids: [0], platform: 'linux' as const };

  it.skipIf(process.platform === 'win32')(
    'a folder anyone may write: refused, and the chmod that fixes it',
    () => {
      const file = configFile(JSON_FILE);
      expect(posixTrustProblem(file, posix)).toBeNull();
      chmodSync(path.dirname(file), 0o777);
      const problem = posixTrustProblem(file, posix);
      expect(problem).toContain(
        `The folder ${path.dirname(file)} can be changed by others (mode 0777`,
      );
      expect(problem).toContain(
        `sudo chown root:root '${path.dirname(file)}' '${file}' && sudo chmod 755`,
      );
    },
  );

  it.skipIf(process.platform === 'win32')(
    'a group-writable file whose group is not an administrators’ group: refused',
    () => {
      const file = configFile(JSON_FILE);
      chmodSync(file, 0o664);
      expect(posixTrustProblem(file, { ...posix, gids: [4242] })).toContain(
        `The file ${file} can be changed by others (mode 0664`,
      );
    },
  );

  it.skipIf(process.platform === 'win32')(
    'a packaged build trusts root only: a folder a user made is refused',
    () => {
      const file = configFile(JSON_FILE);
      const uid = process.getuid?.() ?? 0;
      const problem = posixTrustProblem(file, { ...posix, uids: [uid === 4242 ? 4243 : 4242] });
      expect(problem).toMatch(/belongs to user id \d+, not root/);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'refused through the app’s reader: fail closed, the problem shown to the user',
    async () => {
      const file = configFile(JSON_FILE);
      chmodSync(path.dirname(file), 0o777);
      const machine = await readMachinePolicy({
        platform: 'linux',
        packaged: false,
        env: { LATCHKEY_CONFIG: file },
        userSettings: undefined,
      });
      expect(machine).toMatchObject({ connections: [], allowUserConnections: false });
      const h = startConsoleMain({ machine });
      const settings = await h.ok('getMachineSettings', {});
      expect(settings.problem).toContain('can be changed by others');
      expect(settings.problem).toContain('sudo chmod 755');
    },
  );

  it.skipIf(process.platform === 'win32')(
    'the CA bundle is checked too: one anyone may replace would let them add an authority',
    async () => {
      const bundle = path.join(mkdtempSync(path.join(tmpdir(), 'latchkey-ca-')), 'root.pem');
      writeFileSync(bundle, readFileSync(path.join(FIXTURES, 'hospital-root.pem')));
      chmodSync(bundle, 0o666);
      const machine = await readMachinePolicy({
        platform: 'linux',
        packaged: false,
        env: { LATCHKEY_CONFIG: configFile({ network: { caBundleFile: bundle } }) },
        userSettings: undefined,
      });
      expect(machine.problem).toContain(
        `network.caBundleFile: The file ${bundle} can be changed by others`,
      );
    },
  );

  describe('Windows: the folder’s security descriptor (SDDL, from Get-Acl)', () => {
    const SECURED = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)';
    // What C:\ProgramData\Latchkey gets when an administrator just creates it: ProgramData's
    // inherited entries, among them Users' right to add files and folders, owned by that admin.
    const INHERITED =
      'O:S-1-5-21-1004336348-1177238915-682003330-1001G:S-1-5-21-1004336348-1177238915-682003330-513D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIIOID;GA;;;CO)(A;OICIID;0x1200a9;;;BU)(A;CIID;DCLCRPCR;;;BU)';
    const FILE = 'C:\\ProgramData\\Latchkey\\config.json';

    it('reads owner, entries, rights in letters and in hex', () => {
      expect(parseSddl(INHERITED).dacl).toContainEqual({
        allow: true,
        flags: ['CI', 'ID'],
        mask: 0x116,
        sid: 'S-1-5-32-545',
      });
      expect(parseSddl(SECURED)).toMatchObject({ owner: 'S-1-5-32-544' });
    });

    it('secured (administrators and SYSTEM write, users read): accepted', async () => {
      expect(untrustedWriter(parseSddl(SECURED))).toBeNull();
      expect(await windowsTrustProblem(FILE, async () => SECURED)).toBeNull();
    });

    it('ProgramData’s inherited defaults: refused (users may add files), with the icacls commands that fix it', async () => {
      const owned = INHERITED.replace(/^O:S-[0-9-]+/, 'O:BA');
      expect(untrustedWriter(parseSddl(owned))).toBe('S-1-5-32-545');
      const problem = await windowsTrustProblem(FILE, async () => INHERITED);
      expect(problem).toContain('C:\\ProgramData\\Latchkey can be changed by its owner S-1-5-21-');
      expect(problem).toContain(
        'icacls "C:\\ProgramData\\Latchkey" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX',
      );
      expect(problem).toContain('/setowner *S-1-5-32-544 /T');
    });

    it('inherit-only entries (for what is created inside) do not count; Everyone with write does', () => {
      expect(untrustedWriter(parseSddl('O:SYD:P(A;OICI;FA;;;BA)(A;OICIIO;GA;;;BU)'))).toBeNull();
      expect(untrustedWriter(parseSddl('O:SYD:P(A;OICI;FA;;;BA)(A;;0x2;;;WD)'))).toBe('S-1-1-0');
    });

    it('permissions that cannot be read are refused, not assumed fine', async () => {
      const problem = await windowsTrustProblem(FILE, async () => {
        throw new Error('access denied');
      });
      expect(problem).toContain('its permissions could not be read: access denied');
    });
  });
});
