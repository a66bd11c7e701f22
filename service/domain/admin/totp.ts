import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { UNAMBIGUOUS_ALPHABET } from '../temporary-passwords.ts';

const PERIOD_S = 30;

function totp(secretBase32: string, label = 'admin'): TOTP {
  return new TOTP({
    issuer: 'Latchkey',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new 160-bit TOTP secret (RFC 6238, RFC 4226's recommended length), base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/** The otpauth:// URI an authenticator app reads from a QR code. */
export const otpauthUri = (secretBase32: string, username: string): string =>
  totp(secretBase32, username).toString();

/** The code for a moment (tests and the demo's documentation use it). */
export const totpCodeAt = (secretBase32: string, timeMs: number): string =>
  totp(secretBase32).generate({ timestamp: timeMs });

/**
 * The time step a code belongs to, if it is valid now (±1 step for clock drift) and newer
 * than `lastStep`, so a code cannot be replayed; otherwise null.
 */
export function acceptedTotpStep(
  secretBase32: string,
  code: string,
  nowMs: number,
  lastStep: number,
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(nowMs / 1000 / PERIOD_S) + delta;
  return step > lastStep ? step : null;
}

/** Ten one-time recovery codes, `XXXXX-XXXXX` from the unambiguous alphabet (about 49 bits each). */
export function newRecoveryCodes(): string[] {
  const part = () =>
    Array.from(
      { length: 5 },
      () => UNAMBIGUOUS_ALPHABET[randomInt(UNAMBIGUOUS_ALPHABET.length)],
    ).join('');
  return Array.from({ length: 10 }, () => `${part()}-${part()}`);
}

/** Recovery codes are stored as hashes only; dashes and case do not matter. */
export const hashRecoveryCode = (code: string): string =>
  createHash('sha256')
    .update(code.replace(/[^0-9a-z]/gi, '').toUpperCase())
    .digest('hex');
