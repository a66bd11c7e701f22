import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProxyConfig } from './api-network.ts';
import { parseCaBundle } from './certificates.ts';
import type { LogLevel } from './log.ts';
import { PolicyLayerSchema, describeIssues, type PolicyLayer } from './policy/policy-schema.ts';
import { SETTINGS, setAt, valueAt, type SettingKey } from './policy/settings-catalog.ts';

// The machine's settings as main applies them (SPEC §3 "IT", README "For IT"), merged from the
// sources IT uses: Windows policy or a macOS profile, the machine-wide JSON file, and the user's
// own settings, in that order of precedence, setting by setting (main/policy/machine-policy.ts
// reads them). A source that is there but wrong refuses everything (fail closed).

/** Colours a managed connection gets, in order, when the source names none. */
const PALETTE = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490'];

/** A connection IT preconfigures. */
export interface ManagedConnection {
  name: string;
  url: string;
  colour: string;
}

/** Where a setting can come from, most binding first. */
export type SourceKind = 'windows-policy' | 'macos-profile' | 'config-file' | 'user-settings';
export type Origin = SourceKind | 'default';

/** One source as read: its settings, or nothing (absent), or why it was refused. */
export interface PolicySource {
  kind: SourceKind;
  /** The registry key, the plist or the file. */
  location: string;
  layer?: PolicyLayer;
  problem?: string;
}

/** What the About view shows: each source's state, and where each setting came from. */
export interface PolicyReport {
  sources: Array<{
    kind: SourceKind;
    location: string;
    state: 'applied' | 'absent' | 'refused';
    problem?: string;
  }>;
  origins: Record<SettingKey, Origin>;
}

export interface UpdatePolicy {
  url: string;
  publisherName?: string[];
  channel?: 'latest' | 'beta';
  pin?: string;
  deferDays?: number;
}

/** How main reaches the account services and the update feed. */
export interface MachineNetwork {
  proxy?: ProxyConfig;
  /** The PEM file of extra authorities, and its certificates. */
  caBundleFile?: string;
  authorities?: X509Certificate[];
}

/** The machine's settings as main applies them. */
export interface MachineConfig {
  connections: ManagedConnection[];
  allowUserConnections: boolean;
  idleLockMinutes?: number;
  updates?: UpdatePolicy;
  network?: MachineNetwork;
  logLevel?: LogLevel;
  minimumVersion?: string;
  /** The JSON file the settings came from, if that file is there. */
  file?: string;
  /** Why a source was refused; then no source's settings apply (fail closed). */
  problem?: string;
  /** Sources and origins, for the About view and the log. */
  policy?: PolicyReport;
}

/** Nothing preconfigured, adding allowed, no updates: a machine nobody manages. */
export const noMachineConfig = (): MachineConfig => ({
  connections: [],
  allowUserConnections: true,
});

/** The documented place of the file on each operating system (README "For IT"). */
export function perOsConfigPath(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (platform === 'win32')
    return path.win32.join(env.ProgramData || 'C:\\ProgramData', 'Latchkey', 'config.json');
  if (platform === 'darwin') return '/Library/Application Support/Latchkey/config.json';
  return '/etc/latchkey/config.json';
}

/**
 * Where the machine-wide file lives. A packaged build reads only the per-OS path, which only
 * an administrator can write, so no environment variable can loosen IT's settings or point
 * updates elsewhere; `LATCHKEY_CONFIG` is for development, `npm start` and tests.
 */
export function machineConfigPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  packaged = false,
): string {
  const perOs = perOsConfigPath(platform, env);
  if (packaged) return perOs;
  return env.LATCHKEY_CONFIG || perOs;
}

/** The JSON file's text as a source (its problem named by the file's own paths). */
export function jsonSource(text: string, file: string): PolicySource {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    return { kind: 'config-file', location: file, problem: `${file} is not valid JSON${detail}` };
  }
  const parsed = PolicyLayerSchema.safeParse(json);
  if (!parsed.success)
    return {
      kind: 'config-file',
      location: file,
      problem: `${file}: ${describeIssues(parsed.error)}`,
    };
  return { kind: 'config-file', location: file, layer: parsed.data };
}

/** Each setting from the first source that sets it, and where it came from. */
export function mergeSources(sources: PolicySource[]): {
  layer: PolicyLayer;
  origins: Record<SettingKey, Origin>;
} {
  const layer: Record<string, unknown> = {};
  const origins = {} as Record<SettingKey, Origin>;
  for (const setting of SETTINGS) {
    const from = sources.find((s) => s.layer && valueAt(s.layer, setting.path) !== undefined);
    origins[setting.key] = from?.kind ?? 'default';
    if (from?.layer) setAt(layer, setting.path, valueAt(from.layer, setting.path));
  }
  return { layer: layer as PolicyLayer, origins };
}

const readText = (file: string) => readFileSync(file, 'utf8');

export interface ConfigOptions {
  /** Reads the CA bundle. */
  read?: (file: string) => string;
  /** Why the CA bundle file may not be trusted (who may write it), checked beforehand. */
  caBundleProblem?: string | null;
}

/**
 * The settings main applies, from the sources in precedence order. Fail closed: when a source
 * that is there was refused, or the CA bundle cannot be used, no connection at all (neither
 * IT's nor the user's), none can be added, no updates; the problem says what is wrong and the
 * renderer shows it (a typo must not lift IT's restrictions).
 */
export function configOf(sources: PolicySource[], o: ConfigOptions = {}): MachineConfig {
  const { layer, origins } = mergeSources(sources);
  const file = sources.find((s) => s.kind === 'config-file' && (s.layer || s.problem))?.location;
  const machineProblems = sources
    .filter((s) => s.problem && s.kind !== 'user-settings')
    .map((s) => s.problem as string);
  let network: MachineNetwork | undefined;
  try {
    network = layer.network && networkOf(layer.network, o.read ?? readText, o.caBundleProblem);
  } catch (error) {
    machineProblems.push((error as Error).message);
  }
  const policy = reportOf(sources, origins, machineProblems.length > 0);
  if (machineProblems.length > 0)
    return { ...refused(machineProblems.join(' — ')), ...(file ? { file } : {}), policy };
  const { idleLockMinutes, logLevel, minimumVersion, updates } = layer;
  return {
    connections: withColours(layer.connections ?? []),
    allowUserConnections: layer.allowUserConnections ?? true,
    ...(idleLockMinutes === undefined ? {} : { idleLockMinutes }),
    ...(updates?.url ? { updates: { ...updates, url: updates.url } } : {}),
    ...(network ? { network } : {}),
    ...(logLevel ? { logLevel } : {}),
    ...(minimumVersion ? { minimumVersion } : {}),
    ...(file ? { file } : {}),
    policy,
  };
}

function reportOf(
  sources: PolicySource[],
  origins: Record<SettingKey, Origin>,
  failedClosed: boolean,
): PolicyReport {
  return {
    sources: sources.map(({ kind, location, layer, problem }) => ({
      kind,
      location,
      // Failed closed: no source applies, however fine it was by itself.
      state: problem ? 'refused' : !layer ? 'absent' : failedClosed ? 'refused' : 'applied',
      ...(problem ? { problem } : {}),
    })),
    origins,
  };
}

/** Chromium's form of the proxy settings. */
export function proxyConfigOf(proxy: NonNullable<PolicyLayer['network']>['proxy']): ProxyConfig {
  if (!proxy) return { mode: 'system' };
  return {
    mode: proxy.mode,
    ...(proxy.pacUrl ? { pacScript: proxy.pacUrl } : {}),
    ...(proxy.server ? { proxyRules: proxy.server } : {}),
    ...(proxy.bypassList ? { proxyBypassRules: proxy.bypassList } : {}),
  };
}

/** The network settings with the CA bundle read; an error naming the setting when it cannot be. */
function networkOf(
  network: NonNullable<PolicyLayer['network']>,
  read: (file: string) => string,
  caBundleProblem: string | null | undefined,
): MachineNetwork {
  const { caBundleFile, proxy } = network;
  let authorities: X509Certificate[] | undefined;
  if (caBundleFile) {
    if (caBundleProblem) throw new Error(`network.caBundleFile: ${caBundleProblem}`);
    let pem: string;
    try {
      pem = read(caBundleFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `network.caBundleFile: ${caBundleFile} could not be read (${code ?? 'error'})`,
        { cause: error },
      );
    }
    try {
      authorities = parseCaBundle(pem);
    } catch (error) {
      throw new Error(`network.caBundleFile: ${caBundleFile} ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return {
    ...(proxy ? { proxy: proxyConfigOf(proxy) } : {}),
    ...(caBundleFile ? { caBundleFile, authorities } : {}),
  };
}

/** Gives each connection without a colour the next palette colour no other one has yet. */
function withColours(list: Array<{ name: string; url: string; colour?: string | undefined }>) {
  const used = new Set(list.flatMap((c) => (c.colour ? [c.colour.toLowerCase()] : [])));
  const free = PALETTE.filter((colour) => !used.has(colour));
  let next = 0;
  return list.map(({ name, url, colour }) => ({
    name,
    url,
    colour: colour ?? free[next++ % Math.max(free.length, 1)] ?? PALETTE[0] ?? '#1d4ed8',
  }));
}

/** The settings of one JSON file's text alone (no other source). */
export function parseMachineConfig(
  text: string,
  file: string,
  read: (file: string) => string = readText,
): MachineConfig {
  return configOf([jsonSource(text, file)], { read });
}

/**
 * The settings of the machine-wide JSON file alone; absent: `noMachineConfig()`. The app reads
 * it through `readMachinePolicy`, which first checks who may change it.
 */
export function readMachineConfig(
  file: string,
  read: (file: string) => string = readText,
): MachineConfig {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return noMachineConfig();
    return { ...refused(`${file} could not be read${code ? ` (${code})` : ''}`), file };
  }
  return parseMachineConfig(text, file, read);
}

const refused = (problem: string): MachineConfig => ({
  connections: [],
  allowUserConnections: false,
  problem,
});
