import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../service/config.ts';

/** The message of the ConfigError that `env` raises; fails the test when none is raised. */
function configErrorFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const VARIABLES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'PUBLIC_URL',
  'SMTP_URL',
  'MAIL_FROM',
  'RESET_LINK_TTL',
];

describe('loadConfig: the defaults of SPEC §5', () => {
  it('an empty environment gives PORT 8787, HOST 127.0.0.1, DATA_DIR ./data and a 60-minute reset link', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('./data');
    expect(config.resetLinkTtlMs).toBe(60 * 60_000);
    // No DATABASE_URL: the SQLite file under DATA_DIR; no SMTP_URL: .eml files in the outbox.
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    // Without PUBLIC_URL links point at the listen address, and proxies are not trusted (R46).
    expect(config.publicUrl).toBe('http://127.0.0.1:8787');
    expect(config.publicUrlFromEnv).toBe(false);
    expect(config.trustProxy).toBe(false);
  });

  it('empty strings count as unset, as a shell `VAR=` does', () => {
    const config = loadConfig({ PORT: '', HOST: '', RESET_LINK_TTL: '', DATABASE_URL: '' });
    expect(config.port).toBe(8787);
    expect(config.host).toBe('127.0.0.1');
    expect(config.resetLinkTtlMs).toBe(60 * 60_000);
    expect(config.databaseUrl).toBeUndefined();
  });

  it('set variables are read: port, host, data folder, store, public URL (trailing slash dropped), SMTP, sender', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/latchkey',
      DATABASE_URL: 'postgres://db.internal:5432/latchkey',
      PUBLIC_URL: 'https://login.example.org/',
      CSRF_SECRET: 'a shared secret of at least 32 characters',
      SMTP_URL: 'smtp://mail.example.org:25',
      MAIL_FROM: 'Accounts <accounts@example.org>',
    });
    expect(config.port).toBe(9090);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('/var/lib/latchkey');
    expect(config.databaseUrl).toBe('postgres://db.internal:5432/latchkey');
    expect(config.publicUrl).toBe('https://login.example.org');
    expect(config.publicUrlFromEnv).toBe(true);
    expect(config.smtpUrl).toBe('smtp://mail.example.org:25');
    expect(config.mailFrom).toBe('Accounts <accounts@example.org>');
  });
});

describe('loadConfig: RESET_LINK_TTL', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 30 * 60_000],
    ['2h', 2 * 3_600_000],
  ])('%s is %i ms', (text, ms) => {
    expect(loadConfig({ RESET_LINK_TTL: text }).resetLinkTtlMs).toBe(ms);
  });

  it.each(['soon', '90', '0s', '-5m', '1.5h', '30 minutes'])(
    '%s is refused and the error names RESET_LINK_TTL',
    (text) => {
      expect(configErrorFor({ RESET_LINK_TTL: text })).toContain('RESET_LINK_TTL');
    },
  );
});

describe('loadConfig: a bad variable is named in the error', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['RESET_LINK_TTL', 'soon'],
    ['SMTP_URL', 'http://x'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'ftp://x'],
    ['PUBLIC_URL', 'javascript:alert(1)'],
    ['TRUST_PROXY', 'maybe'],
  ])('%s=%s', (name, value) => {
    const message = configErrorFor({ [name]: value });
    expect(message).toContain(name);
    // Only the bad variable is blamed: the others are fine.
    for (const other of VARIABLES.filter((v) => v !== name)) expect(message).not.toContain(other);
  });

  it('several bad variables are all named in one error', () => {
    const message = configErrorFor({
      PORT: 'abc',
      RESET_LINK_TTL: 'soon',
      SMTP_URL: 'http://x',
      DATABASE_URL: 'mysql://x',
      PUBLIC_URL: 'ftp://x',
      HOST: '127.0.0.1',
    });
    for (const name of ['PORT', 'RESET_LINK_TTL', 'SMTP_URL', 'DATABASE_URL', 'PUBLIC_URL']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('HOST');
  });

  it('the error says what a good value looks like', () => {
    expect(configErrorFor({ RESET_LINK_TTL: 'soon' })).toMatch(/90s, 30m or 2h/);
    expect(configErrorFor({ SMTP_URL: 'http://x' })).toMatch(/smtp:\/\/host:port/);
    expect(configErrorFor({ DATABASE_URL: 'mysql://x' })).toMatch(/postgres:\/\//);
  });
});
