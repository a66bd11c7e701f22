/** The ICAO/NATO spelling alphabet, for reading a password over the phone. */
const NATO: Record<string, string> = {
  A: 'Alfa',
  B: 'Bravo',
  C: 'Charlie',
  D: 'Delta',
  E: 'Echo',
  F: 'Foxtrot',
  G: 'Golf',
  H: 'Hotel',
  I: 'India',
  J: 'Juliett',
  K: 'Kilo',
  L: 'Lima',
  M: 'Mike',
  N: 'November',
  O: 'Oscar',
  P: 'Papa',
  Q: 'Quebec',
  R: 'Romeo',
  S: 'Sierra',
  T: 'Tango',
  U: 'Uniform',
  V: 'Victor',
  W: 'Whiskey',
  X: 'X-ray',
  Y: 'Yankee',
  Z: 'Zulu',
};

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** "K as in Kilo", "7 seven", "k (lower case) as in Kilo", or the character's name. */
export function spellCharacter(c: string): string {
  if (/^[0-9]$/.test(c)) return `${c} ${DIGITS[Number(c)]}`;
  const word = NATO[c.toUpperCase()];
  if (word) return c === c.toUpperCase() ? `${c} as in ${word}` : `${c} (lower case) as in ${word}`;
  const names: Record<string, string> = { '-': 'dash', ' ': 'space', '.': 'dot', _: 'underscore' };
  return `${c} ${names[c] ?? 'symbol'}`;
}

/** The password in groups of three, the way it is read aloud: "K7M QPX 4RT". */
export function groupsOfThree(secret: string): string[] {
  const chars = [...secret];
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += 3) groups.push(chars.slice(i, i + 3).join(''));
  return groups;
}

/** One group's spelling: "K as in Kilo, 7 seven, M as in Mike". */
export const spellGroup = (group: string): string => [...group].map(spellCharacter).join(', ');
