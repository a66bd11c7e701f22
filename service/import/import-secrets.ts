import type { AccountFields } from '../domain/account-input.ts';
import { hashSecrets, type AccountSecrets } from '../domain/account-rows.ts';
import type { Hasher } from '../domain/passwords.ts';

/** Something the import accepted but could not check, with the lines it concerns. */
export interface ImportNotice {
  field: 'password' | 'security_answer';
  lines: number[];
  message: string;
}

/** Lines whose password or answer is plain text and must be hashed. */
export type PlainSecrets = Map<number, Pick<AccountFields, 'password' | 'securityAnswer'>>;

/** Lines whose password or answer is an argon2 hash, which no rule can look into. */
export type HashedSecrets = Record<ImportNotice['field'], number[]>;

const HASH_CONCURRENCY = 4;

const UNCHECKED: Record<ImportNotice['field'], string> = {
  password: 'the password policy (R53) cannot be checked on a hash',
  security_answer:
    'the Security Question page’s answer rules (minimum length, trivial answers, username or email, R33) cannot be checked on a hash',
};

/** SPEC §5 takes existing argon2 hashes as they are: the result says which rules it could not apply. */
export function hashNotices(hashed: HashedSecrets): ImportNotice[] {
  return (['password', 'security_answer'] as const).flatMap((field) => {
    const lines = hashed[field];
    if (lines.length === 0) return [];
    const noun = field === 'password' ? 'password' : 'answer';
    const what =
      lines.length === 1
        ? `1 ${noun} is an argon2 hash`
        : `${lines.length} ${noun}s are argon2 hashes`;
    return [{ field, lines, message: `${what}, imported as given: ${UNCHECKED[field]}.` }];
  });
}

/** The second pass, before the transaction: a few hashes at a time (libuv's pool has four threads). */
export async function hashPlainSecrets(
  hasher: Hasher,
  plain: PlainSecrets,
): Promise<Map<number, AccountSecrets>> {
  const hashed = new Map<number, AccountSecrets>();
  const queue = [...plain.entries()];
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      hashed.set(next[0], await hashSecrets(hasher, next[1]));
    }
  };
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  return hashed;
}
