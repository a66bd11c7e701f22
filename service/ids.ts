import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A new row id. */
export const newId = (): string => randomUUID();

/** A bearer secret (reset link, session cookie): 256 random bits, base64url (R10). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Only this hash of a bearer secret is ever stored (R11). */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares two strings in constant time (R58). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
