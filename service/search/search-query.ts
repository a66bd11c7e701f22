import {
  PHONE_PUNCTUATION,
  FOLD_PAIRS,
  SEARCH_MARK,
} from '../store/migrations/002-search-indexes.ts';
import { usernameKey } from '../domain/accounts.ts';

// The query string of an account search, as the search index spells text (migration 002).

const FOLD = new Map<string, string>(FOLD_PAIRS.map(([upper, lower]) => [upper, lower]));

/** Case folding exactly as the index folds (ASCII, then FOLD_PAIRS): not toLowerCase(). */
export function foldSearchText(text: string): string {
  let out = '';
  for (const c of text) out += c >= 'A' && c <= 'Z' ? c.toLowerCase() : (FOLD.get(c) ?? c);
  return out;
}

const PHONE_LIKE = new RegExp(`^[\\d${[...PHONE_PUNCTUATION].map((c) => `\\${c}`).join('')}]+$`);

/** A parsed query: how long it is, and its pattern. */
export interface Term {
  /** 'all': no query; 'one'/'two': 1 or 2 characters; 'grams': 3 or more. */
  mode: 'all' | 'one' | 'two' | 'grams';
  /** The username_key an exact match has. */
  exact: string;
  /** The pattern, one string per code point. */
  chars: string[];
}

/** The query string as a pattern: folded and marked as the index is; phone-like input as digits. */
export function parseTerm(q: string): Term {
  const text = q
    .normalize('NFKC')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return { mode: 'all', exact: '', chars: [] };
  const pattern =
    PHONE_LIKE.test(text) && /\d/.test(text)
      ? text.replace(/\D/g, '')
      : foldSearchText(text).replace(/([ -])/g, `$1${SEARCH_MARK}`);
  const chars = [...pattern];
  const mode = chars.length === 1 ? 'one' : chars.length === 2 ? 'two' : 'grams';
  return { mode, exact: usernameKey(text), chars };
}
