import { describe, expect, it } from 'vitest';
import { UNAMBIGUOUS_ALPHABET } from '../../service/domain/temporary-passwords.ts';
import {
  groupsOfThree,
  spellCharacter,
  spellGroup,
} from '../../renderer/features/actions/phonetic.ts';

describe('reading a temporary password aloud', () => {
  it('groups in threes, the last group shorter when it must be', () => {
    expect(groupsOfThree('K7MQPX4RT2BCDEFGHJ')).toEqual(['K7M', 'QPX', '4RT', '2BC', 'DEF', 'GHJ']);
    expect(groupsOfThree('ABCDE')).toEqual(['ABC', 'DE']);
  });

  it('spells letters with the NATO alphabet and digits by name', () => {
    expect(spellGroup('K7M')).toBe('K as in Kilo, 7 seven, M as in Mike');
    expect(spellCharacter('x')).toBe('x (lower case) as in X-ray');
  });

  it('has a word for every character the service generates from', () => {
    for (const c of UNAMBIGUOUS_ALPHABET)
      expect(spellCharacter(c)).toMatch(/^. (as in [A-Z][\w-]+|[a-z]+)$/);
  });
});
