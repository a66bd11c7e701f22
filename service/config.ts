import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { defaultCheckpointFile } from './domain/audit-checkpoints.ts';
import {
  AUDIT_KEY_MIN_BYTES,
  defaultAuditKeyFile,
  parseAuditKey,
  type AuditKey,
} from './domain/audit-keys.ts';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `90s`, `30m`, `2h` into milliseconds; `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 90s, 30m or 2h` });
    return z.NEVER;
  }
  return ms;
});

const KEY_FORMAT = `must be at least ${AUDIT_KEY_MIN_BYTES} random bytes as hex or base64 (e.g. openssl rand -base64 32)`;

// The value is never echoed in a message: it is a secret.
const auditKey = z.string().transform((text, ctx) => {
  const key = parseAuditKey(text);
  if (!key) {
    ctx.addIssue({ code: 'custom', message: KEY_FORMAT });
    return z.NEVER;
  }
  return key;
});

const auditKeys = z.string().transform((text, ctx) => {
  const keys = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseAuditKey);
  if (keys.some((key) => key === undefined)) {
    ctx.addIssue({ code: 'custom', message: `each key (separated by commas) ${KEY_FORMAT}` });
    return z.NEVER;
  }
  return keys as AuditKey[];
});

// A DNS name: letters, digits and hyphens in dot-separated labels, the last not all digits
// (999.1.1.1 is no name, and no IPv4 address either: the URL parser refuses it).
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]*[a-z-][a-z0-9-]*$/i;

const host = z.string().refine((text) => isIP(text) !== 0 || HOST_NAME.test(text), {
  error: (issue) =>
    `"${String(issue.input)}" is neither an IP address nor a host name to listen on: use an address of this machine, 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`,
});

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: host.default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
    .optional(),
  PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      message: 'must be an http(s) URL such as https://login.example.org',
    })
    .optional(),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, message: 'must look like smtp://host:port or smtps://host:port' })
    .optional(),
  MAIL_FROM: z.string().min(3).default('Latchkey <no-reply@latchkey.invalid>'),
  RESET_LINK_TTL: duration.default(60 * 60_000),
  TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  SEARCH_INDEX: z.enum(['memory', 'store']).default('memory'),
  CSRF_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)')
    .optional(),
  AUDIT_KEY: auditKey.optional(),
  AUDIT_KEY_PREVIOUS: auditKeys.optional(),
  AUDIT_KEY_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_INTERVAL: duration.default(10_000),
  READY_INDEX_BUILD: duration.default(3 * 60_000),
  READY_MAIL_STALL: duration.default(2 * 60_000),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: string;
  /** False when PUBLIC_URL was not set and the listen address stands in for it. */
  publicUrlFromEnv: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  resetLinkTtlMs: number;
  trustProxy: boolean;
  logLevel: string;
  /** memory: searches answered from an in-memory index (built at start); store: by SQL alone. */
  searchIndex: 'memory' | 'store';
  /**
   * Signs the pages' CSRF tokens. Every process behind one address must share it, so it comes
   * from CSRF_SECRET (required with an https PUBLIC_URL); over http (development) a key is made
   * for this process.
   */
  csrfSecret: string;
  /** AUDIT_KEY: MACs the audit chain; when unset, the key file does. */
  auditKey: AuditKey | undefined;
  /** AUDIT_KEY_PREVIOUS: retired keys, so the events they MACed still verify. */
  auditPreviousKeys: AuditKey[];
  /** AUDIT_KEY_FILE (default DATA_DIR/audit.key), created at first start when AUDIT_KEY is unset. */
  auditKeyFile: string;
  /** AUDIT_CHECKPOINT_FILE (default DATA_DIR/audit-checkpoints.log): the chain's head, appended. */
  auditCheckpointFile: string;
  /** AUDIT_CHECKPOINT_INTERVAL: how often the head is checkpointed when it moved. */
  auditCheckpointMs: number;
  /** READY_INDEX_BUILD: past this, a search index still building makes GET /readyz fail. */
  readyIndexBuildMs: number;
  /** READY_MAIL_STALL: past this, one mail dispatcher pass under way makes GET /readyz fail. */
  readyMailStallMs: number;
}

/** True when people reach the service over https: Secure `__Host-` cookies, and HSTS. */
export const servedOverHttps = (config: Pick<Config, 'publicUrl'>): boolean =>
  config.publicUrl.startsWith('https:');

/** Thrown at start-up when the environment is wrong; its message names every bad variable. */
export class ConfigError extends Error {}

/** Reads and validates the service's environment (SPEC §5). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  // An IPv6 address goes in brackets in a URL (http://[::1]:8787).
  const listenHost = isIP(e.HOST) === 6 ? `[${e.HOST}]` : e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${listenHost}:${e.PORT}`).replace(/\/+$/, '');
  if (servedOverHttps({ publicUrl }) && !e.CSRF_SECRET)
    throw new ConfigError(
      'Invalid environment:\n  CSRF_SECRET: required when PUBLIC_URL is https (every process behind it must share it)',
    );
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    publicUrl,
    publicUrlFromEnv: e.PUBLIC_URL !== undefined,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    resetLinkTtlMs: e.RESET_LINK_TTL,
    trustProxy: e.TRUST_PROXY === '1' || e.TRUST_PROXY === 'true',
    logLevel: e.LOG_LEVEL,
    searchIndex: e.SEARCH_INDEX,
    csrfSecret: e.CSRF_SECRET ?? randomBytes(32).toString('base64url'),
    auditKey: e.AUDIT_KEY,
    auditPreviousKeys: e.AUDIT_KEY_PREVIOUS ?? [],
    auditKeyFile: e.AUDIT_KEY_FILE ?? defaultAuditKeyFile(e.DATA_DIR),
    auditCheckpointFile: e.AUDIT_CHECKPOINT_FILE ?? defaultCheckpointFile(e.DATA_DIR),
    auditCheckpointMs: e.AUDIT_CHECKPOINT_INTERVAL,
    readyIndexBuildMs: e.READY_INDEX_BUILD,
    readyMailStallMs: e.READY_MAIL_STALL,
  };
}
