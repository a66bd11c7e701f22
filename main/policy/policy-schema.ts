import path from 'node:path';
import { z } from 'zod';
import { insecureUrl } from '../insecure-url.ts';
import { LOG_LEVELS } from '../log.ts';

// What IT may set, whatever the source: the machine-wide JSON file, Windows policy (registry),
// a macOS configuration profile (managed preferences). Every source is read into this one shape
// and checked by this one schema, strict, so a misspelt setting is refused rather than silently
// ignored (README "For IT", policies).

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

/** `1.4.2` or `1.4.2-beta.1`: a release's version. */
export const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
export const UPDATE_CHANNELS = ['latest', 'beta'] as const;

const UpdatesSchema = z.strictObject({
  // R125: updates only over https, from the address IT hosts. Without it, no updates at all.
  url: z.url({ protocol: /^https$/, error: 'Enter an https:// address' }).optional(),
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
  /** The feed's channel file: `latest.yml`, or `beta.yml` for a pilot ring. */
  channel: z
    .enum(UPDATE_CHANNELS, { error: `Enter one of ${UPDATE_CHANNELS.join(', ')}` })
    .optional(),
  /** Install only versions starting with this (`1.4` stays on 1.4.x). */
  pin: z
    .string({ error: 'Enter a version such as 1.4 or 1.4.2' })
    .regex(/^\d+(\.\d+){0,2}$/, 'Enter a version such as 1.4 or 1.4.2')
    .optional(),
  /** Wait this many days after a release before installing it (a deferral ring). */
  deferDays: z
    .number({ error: 'Enter a whole number of days' })
    .int('Enter a whole number of days')
    .min(0, 'Enter 0 to 90 days')
    .max(90, 'Enter 0 to 90 days')
    .optional(),
});

export const PROXY_MODES = [
  'system',
  'direct',
  'auto_detect',
  'pac_script',
  'fixed_servers',
] as const;

/** Chromium's proxy settings, as IT writes them (README "For IT", network). */
export const ProxySchema = z
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

const logLevel = z.enum(LOG_LEVELS, { error: `Enter one of ${LOG_LEVELS.join(', ')}` });

/** Everything a machine source may set; each setting optional (absent: the next source's). */
export const PolicyLayerSchema = z.strictObject({
  connections: z
    .array(ManagedConnectionSchema, { error: 'Enter a list of connections' })
    .max(50, 'Use at most 50 connections')
    .optional(),
  /** False: only the connections above, the user cannot add others. */
  allowUserConnections: z.boolean({ error: 'Enter true or false' }).optional(),
  /** The idle lock after this many minutes, unless the organization's policy is stricter. */
  idleLockMinutes: z
    .number({ error: 'Enter a whole number of minutes' })
    .int('Enter a whole number of minutes')
    .min(1, 'Enter 1 to 240 minutes')
    .max(240, 'Enter 1 to 240 minutes')
    .optional(),
  /** Older builds refuse to work and say so (a screen with what to do). */
  minimumVersion: z
    .string({ error: 'Enter a version such as 1.4.2' })
    .regex(VERSION, 'Enter a version such as 1.4.2')
    .optional(),
  /** Absent (or without a url): the console never looks for updates. */
  updates: UpdatesSchema.optional(),
  network: NetworkSchema.optional(),
  /** How much main writes to its log file (README "For IT", logs); `info` when absent. */
  logLevel: logLevel.optional(),
});
export type PolicyLayer = z.infer<typeof PolicyLayerSchema>;

/** What a user may choose for themselves, below every machine source. */
export const UserSettingsSchema = z.strictObject({ logLevel: logLevel.optional() });

/** `connections[1].url`: an issue's path as IT reads it in the JSON file. */
export function pathWords(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * One sentence per problem, each naming the setting it is about, by the name the source uses
 * (`nameOf` turns a path into a registry value's or a profile key's name).
 */
export function describeIssues(
  error: z.ZodError,
  nameOf: (issuePath: readonly PropertyKey[]) => string = pathWords,
): string {
  const words = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map(
        (key) => `${nameOf([...issue.path, key])}: not a setting Latchkey knows`,
      );
    return [`${nameOf(issue.path) || '(the whole file)'}: ${issue.message}`];
  });
  const shown = words.slice(0, 5);
  if (words.length > shown.length) shown.push(`and ${words.length - shown.length} more`);
  return shown.join('; ');
}
