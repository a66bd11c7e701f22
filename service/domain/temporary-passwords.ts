import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: every character reads aloud and types back without doubt. */
export const UNAMBIGUOUS_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const TEMPORARY_PASSWORD_LENGTH = 18;

/** A server-generated password (R59), about 89 bits, read out in groups of three. */
export function generateTemporaryPassword(): string {
  let out = '';
  for (let i = 0; i < TEMPORARY_PASSWORD_LENGTH; i += 1)
    out += UNAMBIGUOUS_ALPHABET[randomInt(UNAMBIGUOUS_ALPHABET.length)];
  return out;
}

/** How long a temporary password works if nobody uses it (SPEC §3). */
export const TEMPORARY_PASSWORD_TTL_MS = 24 * 3_600_000;
