import { z } from 'zod';

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

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
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
}

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
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, '');
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
  };
}
