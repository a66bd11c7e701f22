import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLogFile } from '../../main/log-file.ts';
import { redact } from '../../main/log-redaction.ts';

// Issue 17: main's log file as IT collects it: electron-log's file transport, one JSON object a
// line, rotated, at the level the policy sets, and never a secret.

const folder = () => mkdtempSync(path.join(tmpdir(), 'latchkey-logs-'));
const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => JSON.parse(line) as Record<string, string>);

describe('the log file', () => {
  it('one JSON object per line: time, level, topic, message, version; below the level nothing', () => {
    const log = openLogFile({ folder: folder(), level: 'info', version: '1.2.3' });
    log.debug('not kept at info');
    log.info('started');
    log.topic('network').warn('login.example.org: certificate refused');
    expect(linesOf(log.file)).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: 'info',
        message: 'started',
        version: '1.2.3',
      },
      {
        time: expect.any(String),
        level: 'warn',
        topic: 'network',
        message: 'login.example.org: certificate refused',
        version: '1.2.3',
      },
    ]);
  });

  it('the level can change (a policy read later): debug lines appear, then stop', () => {
    const log = openLogFile({ folder: folder(), level: 'warn', version: '1.0.0' });
    log.info('hidden');
    log.setLevel('debug');
    log.debug('shown');
    log.setLevel('error');
    log.warn('hidden too');
    log.error('shown too');
    expect(linesOf(log.file).map((l) => l.message)).toEqual(['shown', 'shown too']);
    expect(log.level()).toBe('error');
  });

  it('a line break in a message cannot forge a second entry (log injection)', () => {
    const log = openLogFile({ folder: folder(), level: 'info', version: '1.0.0' });
    log.info('Production: signed in as ann\n{"level":"info","message":"forged"}');
    const lines = linesOf(log.file);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toContain('\n{"level"');
  });

  it('rotates by size and keeps the newest files only: latchkey.1.log … latchkey.3.log', () => {
    const log = openLogFile({
      folder: folder(),
      level: 'info',
      version: '1.0.0',
      maxBytes: 1000,
      keep: 3,
    });
    for (let i = 0; i < 120; i++) log.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
    const dir = path.dirname(log.file);
    expect(readdirSync(dir).sort()).toEqual([
      'latchkey.1.log',
      'latchkey.2.log',
      'latchkey.3.log',
      'latchkey.log',
    ]);
    for (const name of readdirSync(dir))
      expect(statSync(path.join(dir, name)).size).toBeLessThan(1200);
    // The newest line is in latchkey.log, the one before it in latchkey.1.log.
    expect(linesOf(log.file).at(-1)?.message).toMatch(/^line 119 /);
    const previous = linesOf(path.join(dir, 'latchkey.1.log')).at(-1)?.message ?? '';
    expect(Number(/line (\d+)/.exec(previous)?.[1])).toBe(
      Number(/line (\d+)/.exec(linesOf(log.file)[0]?.message ?? '')?.[1]) - 1,
    );
  });

  it.skipIf(process.platform === 'win32')('is readable by its owner only', () => {
    const log = openLogFile({ folder: folder(), level: 'info', version: '1.0.0' });
    log.info('x');
    expect(existsSync(log.file)).toBe(true);
    expect(statSync(log.file).mode & 0o777).toBe(0o600);
  });

  it('a secret that reached a line by mistake is redacted before it is written', () => {
    const log = openLogFile({ folder: folder(), level: 'debug', version: '1.0.0' });
    const token = 'Zk9dQ2xvY2tlZC1hY2Nlc3MtdG9rZW4tdmFsdWUx';
    log.debug(`GET /api/v1/accounts with Bearer ${token}`);
    log.debug('opened https://login.example.org/reset/qWErTy0123456789AbCdEf0123456789AbCdEf01234');
    log.debug('{"password":"granite owl measures twilight","refreshToken":"r-1"}');
    log.debug('GET https://login.example.org/api/v1/accounts?q=alice&cursor=abc');
    const text = readFileSync(log.file, 'utf8');
    for (const secret of [token, 'qWErTy0123456789', 'granite owl', 'r-1', 'q=alice'])
      expect(text).not.toContain(secret);
  });
});

describe('redaction keeps what IT needs', () => {
  it('hosts, paths, account ids, fingerprints, error names and numbers stay', () => {
    const kept = [
      'Production: GET /api/v1/accounts/3f0c7b8e-1234-4abc-9def-0123456789ab → 200 (12 ms)',
      'login.example.org: certificate refused (ERR_CERT_AUTHORITY_INVALID): “localhost” issued by “Hospital CA”, SHA-256 25:13:3B:E7:4D:59:8E:BF:E0:F5:21:5B:89:BA:16:B6:18:C4:DD:18:E0:AD:BA:62:90:E8:61:B2:ED:F8:AD:09',
      'machine configuration: C:\\ProgramData\\Latchkey\\config.json',
      'requests go through the proxy http://proxy.hospital.example:8080, except <local>',
      'Production: sign-in refused (totp_invalid)',
    ];
    for (const line of kept) expect(redact(line)).toBe(line);
  });
});
