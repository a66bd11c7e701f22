import { z } from 'zod';
import { UpdateStatusSchema } from './update-status.ts';

// The "About this installation" view and the minimum-version screen (issue 17): what IT manages
// on this computer, from where, and how updates stand. Never a secret; settings travel as data
// and the renderer words them (renderer/features/about/about-words.ts).

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Where a setting came from, most binding first. */
export const ORIGINS = [
  'windows-policy',
  'macos-profile',
  'config-file',
  'user-settings',
  'default',
] as const;

/** Every setting IT can manage (main/policy/settings-catalog.ts says where each sits). */
export const SETTING_KEYS = [
  'connections',
  'allowUserConnections',
  'idleLockMinutes',
  'logLevel',
  'minimumVersion',
  'updateUrl',
  'updatePublisherName',
  'updateChannel',
  'updatePin',
  'updateDeferDays',
  'caBundleFile',
  'proxy',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Chromium's proxy settings (Electron's `ProxyConfig`), as the machine configuration sets them. */
export const ProxySettingSchema = z.object({
  mode: z.enum(['direct', 'auto_detect', 'pac_script', 'fixed_servers', 'system']),
  pacScript: z.string().optional(),
  proxyRules: z.string().optional(),
  proxyBypassRules: z.string().optional(),
});
export type ProxySetting = z.infer<typeof ProxySettingSchema>;

/** The proxy in words: main's log line and the About view say it alike. */
export function proxyWords(proxy: ProxySetting | undefined | null): string {
  if (!proxy || proxy.mode === 'system') return 'the system’s proxy settings';
  if (proxy.mode === 'direct') return 'no proxy (direct)';
  if (proxy.mode === 'auto_detect') return 'proxy auto-detection (WPAD)';
  if (proxy.mode === 'pac_script') return `the PAC file ${proxy.pacScript ?? ''}`.trim();
  const bypass = proxy.proxyBypassRules ? `, except ${proxy.proxyBypassRules}` : '';
  return `the proxy ${proxy.proxyRules ?? ''}${bypass}`;
}

/** What each setting is in effect, as data (null: not set); the renderer words it. */
export const SettingValuesSchema = z.object({
  connections: z.array(z.object({ name: z.string(), url: z.string() })),
  allowUserConnections: z.boolean(),
  idleLockMinutes: z.number().nullable(),
  logLevel: z.enum(LOG_LEVELS).nullable(),
  minimumVersion: z.string().nullable(),
  updateUrl: z.string().nullable(),
  updatePublisherName: z.array(z.string()).nullable(),
  updateChannel: z.string().nullable(),
  updatePin: z.string().nullable(),
  updateDeferDays: z.number().nullable(),
  /** IT's extra authorities: the file and the common name of each certificate in it. */
  caBundleFile: z.object({ file: z.string(), authorities: z.array(z.string()) }).nullable(),
  proxy: ProxySettingSchema.nullable(),
});
export type SettingValues = z.infer<typeof SettingValuesSchema>;

export const InstallationSchema = z.object({
  version: z.string(),
  /** Node's name of the platform (`win32`, `darwin`, `linux`, …) and the CPU architecture. */
  platform: z.string(),
  arch: z.string(),
  install: z.object({
    /** Per machine (all users, an administrator installed it), per user, or a development run. */
    scope: z.enum(['per-machine', 'per-user', 'development']),
    /** MSI, NSIS installer, .pkg, app bundle, AppImage, … */
    kind: z.string(),
    location: z.string(),
  }),
  /** Set by policy: older builds refuse to work. */
  minimumVersion: z.object({ required: z.string(), blocked: z.boolean() }).nullable(),
  /** Why a machine source was refused (nothing of IT's then applies); null when all is well. */
  problem: z.string().nullable(),
  sources: z.array(
    z.object({
      origin: z.enum(ORIGINS),
      location: z.string(),
      state: z.enum(['applied', 'absent', 'refused']),
      problem: z.string().nullable(),
    }),
  ),
  /** Each setting, in the catalog's order, and where its value came from. */
  settings: z.array(z.object({ key: z.enum(SETTING_KEYS), origin: z.enum(ORIGINS) })),
  values: SettingValuesSchema,
  logs: z.object({
    file: z.string(),
    level: z.enum(LOG_LEVELS),
    /** The user may choose the level only when no machine source sets it. */
    levelOrigin: z.enum(ORIGINS),
  }),
  updates: UpdateStatusSchema,
});
export type Installation = z.infer<typeof InstallationSchema>;

/** IPC operations of the About view. Spread into `IPC` (contract.ts). */
export const INSTALLATION_IPC = {
  getInstallation: { input: z.object({}), output: InstallationSchema },
  /** The user's own log level; refused when a machine source sets it. */
  setLogLevel: {
    input: z.object({ level: z.enum(LOG_LEVELS, { error: 'Choose a log level.' }) }),
    output: InstallationSchema,
  },
} as const;
