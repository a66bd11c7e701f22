import { dictionary } from '@zxcvbn-ts/language-common';
import {
  lettersAndDigits,
  predictableShare,
  repeatedUnit,
  withoutSeparators,
} from './password-patterns.ts';
import { MAX_SECRET_LENGTH, normalizeSecret } from './passwords.ts';

/** SPEC §4: at least 15 characters (NIST SP 800-63B rev. 4, password-only login). */
export const MIN_PASSWORD_LENGTH = 15;
/** Accepted without truncation; longer is refused with a reason (R50). */
export const MAX_PASSWORD_LENGTH = 256;

const COMMON = new Set<string>(
  (dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()),
);

/** What a new password must not be built from (R53). */
export interface PasswordContext {
  username?: string;
  email?: string;
  organization?: string;
  products?: string[];
}

/** Counts code points, not UTF-16 units (R51). */
export const codePointLength = (text: string): number => [...text].length;

function contextWords(context: PasswordContext): string[] {
  const words: string[] = [];
  const add = (word: string | undefined) => {
    const w = word?.trim().toLowerCase();
    if (w && w.length >= 4) words.push(w);
  };
  add(context.username);
  add(context.email);
  add(context.email?.split('@')[0]);
  add(context.organization?.replace(/\s+/g, ''));
  for (const part of context.organization?.split(/\s+/) ?? []) if (part.length >= 5) add(part);
  for (const product of context.products ?? []) add(product);
  return words;
}

/**
 * A short unit repeated ("iloveyouiloveyou", "monkey monkey monkey", digits and symbols at the
 * ends aside) is no harder to guess than the unit; a password made mostly of keyboard or
 * alphabet runs ("qwertyuiopasdfgh", "1qaz2wsx3edc4rfv", "abcdef…") is among the first guesses.
 */
function patternProblem(lower: string, core: string): string | null {
  for (const text of [withoutSeparators(lower), withoutSeparators(core)]) {
    const unit = repeatedUnit(text);
    if (unit !== null && codePointLength(unit) < MIN_PASSWORD_LENGTH) {
      return 'This repeats a short word or pattern, which makes it no harder to guess than that word. Choose something less predictable.';
    }
  }
  const letters = lettersAndDigits(lower);
  // Two thirds: one predictable stretch beside real words (dlatimer123456789) is left to the
  // other checks. 1.4 million random passphrases of 2–5 diceware words never reached it.
  if (letters.length > 0 && predictableShare(letters) >= 2 / 3) {
    return 'This is mostly a keyboard pattern or a sequence (like qwerty, 1qaz2wsx or abcdef), which attackers try first. Choose something less predictable.';
  }
  return null;
}

/**
 * Checks a new password against SPEC §4; answers the reason to show next to the field,
 * or `null` when the password is acceptable. No composition rules (R52).
 */
export function passwordProblem(password: string, context: PasswordContext): string | null {
  if (password.length > MAX_SECRET_LENGTH * 4)
    return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const normalized = normalizeSecret(password);
  const length = codePointLength(normalized);
  if (length < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters (this has ${length}). A few unrelated words make a strong, memorable password.`;
  }
  if (length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = normalized.toLowerCase();
  // Digits, punctuation and symbols at either end are stripped; letters of any script and emoji
  // stay (\W would strip a whole Cyrillic, Greek or CJK password and call it common, R51).
  const core = lower.replace(
    /^[\p{N}\p{P}\p{Z}\p{C}\p{Sm}\p{Sc}\p{Sk}]+|[\p{N}\p{P}\p{Z}\p{C}\p{Sm}\p{Sc}\p{Sk}]+$/gu,
    '',
  );
  if (COMMON.has(lower) || core === '' || COMMON.has(core)) {
    return 'This is a commonly used password; attackers try these first. Choose something less predictable.';
  }
  if (new Set(lower).size <= 3)
    return 'This repeats too few characters. Choose something less predictable.';
  const pattern = patternProblem(lower, core);
  if (pattern) return pattern;
  const word = contextWords(context).find((w) => lower.includes(w));
  if (word !== undefined) {
    return 'Do not use your username, email address, organization or a product name in your password.';
  }
  return null;
}
