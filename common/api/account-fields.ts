import { z } from 'zod';
import { oneLine } from './text.ts';

/**
 * An account's identity fields, one schema each: the admin API, the import file and the
 * service's own checks validate with these, so a username the console accepts as typed is one the
 * service accepts.
 */

/**
 * Usernames never contain `@`, so a username can never equal an email address and no
 * identifier resolves to two accounts of different kinds (R7).
 */
export const USERNAME_MAX_LENGTH = 64;
export const USERNAME_PATTERN = new RegExp(
  `^[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{1,${USERNAME_MAX_LENGTH - 1}}$`,
  'u',
);

/** Usernames are unique without regard to case or Unicode form: the key they are stored under. */
export const usernameKey = (username: string): string =>
  username.normalize('NFKC').trim().toLowerCase();

export const USERNAME_RULE =
  'Use 2 to 64 letters, digits, dots (.), underscores (_) or hyphens (-), starting with a letter or digit; no @, so a username can never be mistaken for an email address.';

// Deliberately loose: "looks like an address", international local parts and domains allowed.
const EMAIL_SHAPE = /^[^\s@<>()[\]\\,;:"]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u;

export const UsernameSchema = z.string().trim().regex(USERNAME_PATTERN, USERNAME_RULE);
export const EmailSchema = oneLine(
  z
    .string()
    .trim()
    .max(254, 'Use an email address of at most 254 characters.')
    .regex(EMAIL_SHAPE, 'Enter an email address such as name@example.org.'),
);
export const PersonNameSchema = oneLine(
  z.string().trim().min(1, 'Enter a name.').max(200, 'Use a name of at most 200 characters.'),
);
export const PhoneSchema = oneLine(
  z.string().trim().max(50, 'Use a phone number of at most 50 characters.'),
);
