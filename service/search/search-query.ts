import { PHONE_PUNCTUATION, SEARCH_MARK, foldSearchText } from './text-folding.ts';
import { usernameKey } from '../../common/api/account-fields.ts';

// The query string of an account search, as the search spells text (text-folding.ts).

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
