import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ProxyConfig } from './api-network.ts';
import { parseCaBundle } from './certificates.ts';
import { insecureUrl } from './connections.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';

// The machine-wide configuration file IT deploys (SPEC §3 "IT", README "For IT").

/** Colours a managed connection gets, in order, when the file names none. */
const PALETTE = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490'];

const ManagedConnectionSchema = z.strictObject({
  name: z
    .string({ error: 'Give the connection a name (text)' })
    .trim()
    .min(1, 'Give the connection a name')
    .max(60, 'Use at most 60 characters'),
  url: z
    .url({ protocol: /^https?$/, error: 'Enter an https:// address' })
    // R94: plain http only for a service on this computer.
    .refine((url) => !URL.canParse(url) || !insecureUrl(url), 'Enter an https:// address'),
  colour: z
    .string({ error: 'Enter a colour as #rrggbb' })
    .regex(/^#[0-9a-f]{6}$/i, 'Enter a colour as #rrggbb')
    .optional(),
});

const UpdatesSchema = z.strictObject({
  // R125: updates only over https, from the address IT hosts.
  url: z.url({ protocol: /^https$/, error: 'Enter an https:// address' }),
  /**
   * Windows: who an update must be signed by, as the certificate's full distinguished name
   * (`CN=…, O=…, C=…`). Without it electron-updater skips the check, so Latchkey does not
   * update on Windows (R125).
   */
  publisherName: z
    .array(z.string({ error: 'Enter the publisher name as text' }).trim().min(1).max(300), {
      error: 'Enter a list of publisher names',
    })
    .min(1, 'Enter at least one publisher name')
    .max(5)
    .optional(),
});

const PROXY_MODES = ['system', 'direct', 'auto_detect', 'pac_script', 'fixed_servers'] as const;

/** Chromium's proxy settings, as IT writes them (README "For IT", network). */
const ProxySchema = z
  .strictObject({
    mode: z.enum(PROXY_MODES, { error: `Enter one of ${PROXY_MODES.join(', ')}` }),
    // A PAC file on an intranet is often served over http (http://wpad/wpad.dat).
    pacUrl: z
      .url({ protocol: /^https?$/, error: 'Enter the PAC file’s http:// or https:// address' })
      .optional(),
    // Chromium's proxy rules (`proxy.example.org:8080`, `https=p1:443;http=p2:80`); no
    // credentials: an authenticating proxy uses the system's sign-in (Negotiate, NTLM).
    server: z
      .string({ error: 'Enter the proxy as host:port' })
      .trim()
      .min(1, 'Enter the proxy as host:port')
      .max(500)
      .regex(/^[A-Za-z0-9.:;=/[\]_-]+$/, 'Enter the proxy as host:port (no user name or password)')
      .optional(),
    bypassList: z
      .string({ error: 'Enter hosts separated by commas' })
      .trim()
      .max(2000)
      .regex(/^[A-Za-z0-9.*:;,<>/[\]_ -]*$/, 'Enter hosts separated by commas')
      .optional(),
  })
  .superRefine((proxy, ctx) => {
    if (proxy.mode === 'pac_script' && !proxy.pacUrl)
      ctx.addIssue({ code: 'custom', path: ['pacUrl'], message: 'pac_script needs pacUrl' });
    if (proxy.mode === 'fixed_servers' && !proxy.server)
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'fixed_servers needs server' });
    if (proxy.pacUrl && proxy.mode !== 'pac_script')
      ctx.addIssue({ code: 'custom', path: ['pacUrl'], message: 'only with mode pac_script' });
    if ((proxy.server || proxy.bypassList) && proxy.mode !== 'fixed_servers')
      ctx.addIssue({
        code: 'custom',
        path: [proxy.server ? 'server' : 'bypassList'],
        message: 'only with mode fixed_servers',
      });
  });

const NetworkSchema = z.strictObject({
  /** A PEM file of authorities trusted besides the operating system's store. */
  caBundleFile: z
    .string({ error: 'Enter the full path of a PEM file' })
    .refine(
      (file) => path.isAbsolute(file) || path.win32.isAbsolute(file),
      'Enter the full path of a PEM file',
    )
    .optional(),
  proxy: ProxySchema.optional(),
});

/** The file's schema: strict, so a misspelt setting is refused rather than silently ignored. */
export const MachineConfigSchema = z.strictObject({
  connections: z
    .array(ManagedConnectionSchema, { error: 'Enter a list of connections' })
    .max(50, 'Use at most 50 connections')
    .default([]),
  /** False: only the connections above, the user cannot add others. */
  allowUserConnections: z.boolean({ error: 'Enter true or false' }).default(true),
  /** The idle lock after this many minutes, unless the organization's policy is stricter. */
  idleLockMinutes: z
    .number({ error: 'Enter a whole number of minutes' })
    .int('Enter a whole number of minutes')
    .min(1, 'Enter 1 to 240 minutes')
    .max(240, 'Enter 1 to 240 minutes')
    .optional(),
  /** Absent: the console never looks for updates. */
  updates: UpdatesSchema.optional(),
  network: NetworkSchema.optional(),
  /** How much main writes to its log file (README "For IT", logs); `info` when absent. */
  logLevel: z.enum(LOG_LEVELS, { error: `Enter one of ${LOG_LEVELS.join(', ')}` }).optional(),
});

/** A connection the file preconfigures. */
export interface ManagedConnection {
  name: string;
  url: string;
  colour: string;
}

/** The machine's settings as main applies them. */
export interface MachineConfig {
  connections: ManagedConnection[];
  allowUserConnections: boolean;
  idleLockMinutes?: number;
  updates?: { url: string; publisherName?: string[] };
  network?: MachineNetwork;
  logLevel?: LogLevel;
  /** The file the settings came from; absent when there is none (nothing is managed). */
  file?: string;
  /** Why the file was refused; its settings are then not applied (fail closed). */
  problem?: string;
}

/** How main reaches the account services and the update feed. */
export interface MachineNetwork {
  proxy?: ProxyConfig;
  /** The PEM file of extra authorities, and its certificates. */
  caBundleFile?: string;
  authorities?: X509Certificate[];
}

/** Nothing preconfigured, adding allowed, no updates: a machine without the file. */
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

/** `connections[1].url`: an issue's path as IT reads it in the file. */
function pathWords(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** One sentence per problem, each naming the setting it is about. */
export function describeIssues(error: z.ZodError): string {
  const words = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map(
        (key) => `${pathWords([...issue.path, key])}: not a setting Latchkey knows`,
      );
    return [`${pathWords(issue.path) || '(the whole file)'}: ${issue.message}`];
  });
  const shown = words.slice(0, 5);
  if (words.length > shown.length) shown.push(`and ${words.length - shown.length} more`);
  return shown.join('; ');
}

/**
 * Checks the file's text. Refused: no connection at all (neither the file's nor the user's),
 * no updates; the problem says what is wrong and the renderer shows it (fail closed: a file
 * that is there means IT manages this machine, and a typo must not lift its restrictions).
 */
export function parseMachineConfig(
  text: string,
  file: string,
  read: (file: string) => string = readText,
): MachineConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    return refused(file, `${file} is not valid JSON${detail}`);
  }
  const parsed = MachineConfigSchema.safeParse(json);
  if (!parsed.success) return refused(file, `${file}: ${describeIssues(parsed.error)}`);
  const { connections, allowUserConnections, idleLockMinutes, updates, logLevel } = parsed.data;
  let network: MachineNetwork | undefined;
  try {
    network = parsed.data.network && networkOf(parsed.data.network, read);
  } catch (error) {
    return refused(file, `${file}: ${(error as Error).message}`);
  }
  return {
    connections: withColours(connections),
    allowUserConnections,
    ...(idleLockMinutes === undefined ? {} : { idleLockMinutes }),
    ...(updates ? { updates } : {}),
    ...(network ? { network } : {}),
    ...(logLevel ? { logLevel } : {}),
    file,
  };
}

/** Chromium's form of the proxy settings. */
export function proxyConfigOf(proxy: z.infer<typeof ProxySchema>): ProxyConfig {
  return {
    mode: proxy.mode,
    ...(proxy.pacUrl ? { pacScript: proxy.pacUrl } : {}),
    ...(proxy.server ? { proxyRules: proxy.server } : {}),
    ...(proxy.bypassList ? { proxyBypassRules: proxy.bypassList } : {}),
  };
}

/** The network settings with the CA bundle read; an error naming the setting when it cannot be. */
function networkOf(network: z.infer<typeof NetworkSchema>, read: (file: string) => string) {
  const { caBundleFile, proxy } = network;
  let authorities: X509Certificate[] | undefined;
  if (caBundleFile) {
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

const readText = (file: string) => readFileSync(file, 'utf8');

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

/** Reads the machine-wide file; absent: `noMachineConfig()`. */
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
    return refused(file, `${file} could not be read${code ? ` (${code})` : ''}`);
  }
  return parseMachineConfig(text, file, read);
}

const refused = (file: string, problem: string): MachineConfig => ({
  connections: [],
  allowUserConnections: false,
  file,
  problem,
});
