import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import {
  configOf,
  jsonSource,
  machineConfigPath,
  type MachineConfig,
  type PolicySource,
} from '../machine-config.ts';
import { posixTrustProblem, windowsTrustProblem, type TrustProblem } from './folder-trust.ts';
import { layerOfPreferences, MANAGED_PLIST, plistXml } from './macos-policy.ts';
import { describeIssues, PolicyLayerSchema, UserSettingsSchema } from './policy-schema.ts';
import { nativeNameOf } from './settings-catalog.ts';
import {
  layerOfRegistry,
  parseRegQuery,
  POLICY_KEY,
  queryPolicyKey,
  type RunCommand,
} from './windows-policy.ts';

// Reads every source of the machine's settings (issue 17), checks who may change each file, and
// merges them: machine policy (Windows registry or macOS profile) > the JSON file > the user's
// own settings.

export interface PolicyDeps {
  platform: NodeJS.Platform;
  packaged: boolean;
  env: NodeJS.ProcessEnv;
  /** The user's own settings (electron-store's `settings`), whatever is there. */
  userSettings: unknown;
  /** Runs reg.exe, plutil or PowerShell; answers the exit code and standard output. */
  run?: RunCommand;
  readFile?: (file: string) => Promise<Buffer>;
  /** Who may change a file: a problem in words with the fix, or null. */
  trust?: (file: string) => Promise<TrustProblem>;
}

/** `execFile` answering the exit code instead of throwing for a non-zero one. */
export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { windowsHide: true, timeout: 20_000 }, (error, stdout) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      if (typeof code === 'number') resolve({ code, stdout: String(stdout) });
      else reject(error ?? new Error('no exit code'));
    });
  });

/** Who may change a file, by the platform's rules; trusted owners depend on the build. */
export function platformTrust(deps: Pick<PolicyDeps, 'platform' | 'packaged' | 'env'>) {
  if (deps.platform === 'win32') {
    const powershell = `${deps.env.SystemRoot || 'C:\\Windows'}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
    // The path travels in the environment, never in the command text.
    const readSddl = (item: string) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          powershell,
          [
            '-NoProfile',
            '-NonInteractive',
            '-Command',
            '(Get-Acl -LiteralPath $env:LATCHKEY_ACL_PATH).Sddl',
          ],
          { windowsHide: true, timeout: 20_000, env: { ...deps.env, LATCHKEY_ACL_PATH: item } },
          (error, stdout) => (error ? reject(error) : resolve(String(stdout).trim())),
        ),
      );
    return (file: string) => windowsTrustProblem(file, readSddl);
  }
  const self = process.getuid?.() ?? 0;
  // A development build also trusts the developer's own files (LATCHKEY_CONFIG, tests).
  const uids = deps.packaged ? [0] : [0, self];
  const gids = deps.platform === 'darwin' ? [0, 80] : [0];
  return async (file: string) => posixTrustProblem(file, { uids, gids, platform: deps.platform });
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/** A native source's layer checked by the schema, problems named by their native names. */
function nativeSource(
  kind: PolicySource['kind'],
  location: string,
  read: { layer: Record<string, unknown>; problems: string[] },
): PolicySource {
  const parsed = PolicyLayerSchema.safeParse(read.layer);
  const problems = [...read.problems];
  if (!parsed.success) problems.push(describeIssues(parsed.error, nativeNameOf));
  if (problems.length > 0)
    return { kind, location, problem: `${location}: ${problems.join('; ')}` };
  return { kind, location, layer: parsed.data };
}

async function windowsPolicy(run: RunCommand, env: NodeJS.ProcessEnv): Promise<PolicySource> {
  const location = POLICY_KEY;
  try {
    const output = await queryPolicyKey(run, env);
    if (output === null) return { kind: 'windows-policy', location };
    return nativeSource('windows-policy', location, layerOfRegistry(parseRegQuery(output)));
  } catch (error) {
    return {
      kind: 'windows-policy',
      location,
      problem: `${location} could not be read (${(error as Error).message})`,
    };
  }
}

async function macosProfile(deps: Required<Pick<PolicyDeps, 'run' | 'readFile' | 'trust'>>) {
  const location = MANAGED_PLIST;
  let bytes: Buffer;
  try {
    bytes = await deps.readFile(location);
  } catch (error) {
    if (isMissing(error)) return { kind: 'macos-profile', location } satisfies PolicySource;
    return {
      kind: 'macos-profile',
      location,
      problem: `${location} could not be read`,
    } satisfies PolicySource;
  }
  const untrusted = await deps.trust(location);
  if (untrusted)
    return { kind: 'macos-profile', location, problem: untrusted } satisfies PolicySource;
  try {
    const xml = await plistXml(bytes, location, async (file) => {
      const result = await deps.run('/usr/bin/plutil', ['-convert', 'xml1', '-o', '-', file]);
      if (result.code !== 0) throw new Error(`plutil answered ${result.code}`);
      return result.stdout;
    });
    return nativeSource('macos-profile', location, layerOfPreferences(xml));
  } catch (error) {
    return {
      kind: 'macos-profile',
      location,
      problem: `${location} is not a valid property list (${(error as Error).message})`,
    } satisfies PolicySource;
  }
}

async function jsonFile(file: string, deps: Required<Pick<PolicyDeps, 'readFile' | 'trust'>>) {
  let text: string;
  try {
    text = (await deps.readFile(file)).toString('utf8');
  } catch (error) {
    if (isMissing(error)) return { kind: 'config-file', location: file } satisfies PolicySource;
    const code = (error as NodeJS.ErrnoException).code;
    return {
      kind: 'config-file',
      location: file,
      problem: `${file} could not be read${code ? ` (${code})` : ''}`,
    } satisfies PolicySource;
  }
  const untrusted = await deps.trust(file);
  if (untrusted)
    return { kind: 'config-file', location: file, problem: untrusted } satisfies PolicySource;
  return jsonSource(text, file);
}

/** The user's own settings: below every machine source; a bad one is only ignored. */
function userSource(settings: unknown): PolicySource {
  const location = 'your settings';
  if (settings === undefined) return { kind: 'user-settings', location };
  const parsed = UserSettingsSchema.safeParse(settings);
  if (!parsed.success) return { kind: 'user-settings', location, problem: 'ignored: not valid' };
  return { kind: 'user-settings', location, layer: parsed.data };
}

/** Every source of this platform, read and merged into the settings main applies. */
export async function readMachinePolicy(deps: PolicyDeps): Promise<MachineConfig> {
  const run = deps.run ?? runCommand;
  const read = deps.readFile ?? ((file: string) => readFile(file));
  const trust = deps.trust ?? platformTrust(deps);
  const sources: PolicySource[] = [];
  if (deps.platform === 'win32') sources.push(await windowsPolicy(run, deps.env));
  if (deps.platform === 'darwin') sources.push(await macosProfile({ run, readFile: read, trust }));
  const file = machineConfigPath(deps.env, deps.platform, deps.packaged);
  sources.push(await jsonFile(file, { readFile: read, trust }));
  sources.push(userSource(deps.userSettings));
  const caBundleFile = sources.find((s) => s.layer?.network?.caBundleFile)?.layer?.network
    ?.caBundleFile;
  // Read (and its writers checked) here; configOf parses it, or names why it cannot.
  let bundle: { text: string } | { error: unknown } = { error: new Error('not read') };
  let caBundleProblem: TrustProblem = null;
  if (caBundleFile) {
    try {
      bundle = { text: (await read(caBundleFile)).toString('utf8') };
      caBundleProblem = await trust(caBundleFile);
    } catch (error) {
      bundle = { error };
    }
  }
  return configOf(sources, {
    caBundleProblem,
    read: () => {
      if ('text' in bundle) return bundle.text;
      throw bundle.error;
    },
  });
}
