import type { Account } from '../store/schema.ts';

/** Answers compare after NFKC, case folding and whitespace collapsing (SPEC §1, R30). */
export const normalizeAnswer = (answer: string): string =>
  answer.normalize('NFKC').toUpperCase().toLowerCase().replace(/\s+/gu, ' ').trim();

const TRIVIAL_ANSWERS = new Set([
  '123',
  '1234',
  'password',
  'answer',
  'none',
  'n/a',
  'na',
  'test',
  'abc',
  'xxx',
  'asdf',
]);

/** Why an answer may not be enrolled (R33), or null. */
export function answerProblem(
  answer: string,
  account: Pick<Account, 'username' | 'email'>,
): string | null {
  const normalized = normalizeAnswer(answer);
  if ([...normalized].length < 3) return 'Use an answer of at least 3 characters.';
  if ([...normalized].length > 100) return 'Use an answer of at most 100 characters.';
  if (TRIVIAL_ANSWERS.has(normalized))
    return 'This answer is too easy to guess. Choose a real answer to the question.';
  const own = [account.username, account.email, account.email.split('@')[0] ?? ''].map(
    normalizeAnswer,
  );
  if (own.includes(normalized)) return 'Do not use your username or email address as the answer.';
  return null;
}
