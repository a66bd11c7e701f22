import { hash as argon2Hash } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { describe, expect, it } from 'vitest';
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  type PasswordContext,
} from '../../service/domain/password-policy.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { answerProblem, normalizeAnswer } from '../../service/domain/security-questions.ts';

/** The context the Set Up Password and Change Password pages pass: names and codes of the products. */
const CONTEXT: PasswordContext = {
  username: 'dlatimer',
  email: 'dana.latimer@example.org',
  organization: 'Springfield General Hospital',
  products: ['EMResource', 'emresource', 'eICS', 'eics', 'EMTrack', 'emtrack'],
};
const ACCOUNT = { username: 'dlatimer', email: 'dana.latimer@example.org' };

const WORDS =
  'amber cobalt drift ember fjord glacier harbor island jasmine kettle meadow nectar orchid pebble quartz river saffron thistle umber velvet willow yonder zephyr';
/** A passphrase of exactly `length` characters, made of ordinary words. */
const passphrase = (length: number): string => {
  let text = WORDS;
  while (text.length < length) text += ` ${WORDS}`;
  return text.slice(0, length);
};

const problem = (password: string): string | null => passwordProblem(password, CONTEXT);

describe('R49: at least 15 characters, counted in code points', () => {
  it('14 characters are refused with the count; 15 are accepted', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(15);
    expect(problem('saddle lantern')).toMatch(/at least 15 characters \(this has 14\)/);
    expect(problem('saddle lanterns')).toBeNull();
  });

  it('an emoji counts as one character, not as its two UTF-16 units', () => {
    const fifteen = 'saddle lantern🐴';
    const fourteen = 'saddle lanter🐴';
    expect([fifteen.length, fourteen.length]).toEqual([16, 15]);
    expect(problem(fifteen)).toBeNull();
    expect(problem(fourteen)).toMatch(/at least 15 characters \(this has 14\)/);
  });

  it('a decomposed "é" (e + combining accent) counts as the one character it is after NFKC', () => {
    // 15 code points as typed, 14 characters once "e" and its accent are composed: too short.
    const decomposed = 'cafe\u0301 au lait 1';
    expect([...decomposed]).toHaveLength(15);
    expect(problem(decomposed)).toMatch(/at least 15 characters \(this has 14\)/);
    expect(problem('cafe\u0301 au lait 12')).toBeNull();
  });
});

describe('R50: long passwords are accepted, too long ones refused with a reason', () => {
  it.each([64, 128, MAX_PASSWORD_LENGTH])('%i characters are accepted', (length) => {
    const password = passphrase(length);
    expect([...password]).toHaveLength(length);
    expect(problem(password)).toBeNull();
  });

  it('257 characters are refused, and the reason gives the limit', () => {
    expect(problem(passphrase(257))).toBe('Use at most 256 characters.');
  });

  it('a megabyte is refused with the same reason (and without scanning word lists)', () => {
    // CPU time, not wall time: a busy machine pauses this process but does not bill it for that.
    const started = process.cpuUsage();
    expect(problem('x'.repeat(1024 * 1024))).toBe('Use at most 256 characters.');
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(200);
  });

  it('a 128-character password hashes and verifies as a whole', async () => {
    const password = passphrase(128);
    const phc = await argon2Hasher.hash(password);
    expect(await argon2Hasher.verify(phc, password)).toBe(true);
    expect(await argon2Hasher.verify(phc, password.slice(0, 127))).toBe(false);
  });
});

describe('R51: every character counts; NFKC, never case-changed or truncated', () => {
  it('precomposed and decomposed "é" verify the same', async () => {
    const precomposed = 'cr\u00e8me br\u00fbl\u00e9e at the caf\u00e9';
    const decomposed = 'cre\u0300me bru\u0302le\u0301e at the cafe\u0301';
    expect(precomposed).not.toBe(decomposed);
    const phc = await argon2Hasher.hash(precomposed);
    expect(await argon2Hasher.verify(phc, decomposed)).toBe(true);
    const other = await argon2Hasher.hash(decomposed);
    expect(await argon2Hasher.verify(other, precomposed)).toBe(true);
  });

  it('"Secret…" does not verify as "secret…": case is never changed', async () => {
    const phc = await argon2Hasher.hash('Secret harbour lighthouse');
    expect(await argon2Hasher.verify(phc, 'Secret harbour lighthouse')).toBe(true);
    expect(await argon2Hasher.verify(phc, 'secret harbour lighthouse')).toBe(false);
  });

  it('no truncation: two long passwords differing only in the last character do not both verify', async () => {
    const base = passphrase(199);
    const first = `${base}A`;
    const second = `${base}B`;
    // Well past bcrypt's 72 bytes, where a truncating hash would make these equal.
    expect(Buffer.byteLength(first)).toBeGreaterThan(72);
    const phc = await argon2Hasher.hash(first);
    expect(await argon2Hasher.verify(phc, first)).toBe(true);
    expect(await argon2Hasher.verify(phc, second)).toBe(false);
  });

  it('an emoji password round-trips, and another emoji does not verify', async () => {
    const password = 'tulip 🌷 rocket 🚀 lantern 🏮';
    expect(problem(password)).toBeNull();
    const phc = await argon2Hasher.hash(password);
    expect(await argon2Hasher.verify(phc, password)).toBe(true);
    expect(await argon2Hasher.verify(phc, 'tulip 🌷 rocket 🚀 lantern 🎈')).toBe(false);
  });

  it('a password of fifteen different emoji is accepted (printable Unicode is allowed)', () => {
    expect(problem('🌷🚀🐴🏮🎈🎯🧭🦊🐙🍋🥨🧩🛶🪐🌵')).toBeNull();
  });

  it.each([
    'северное сияние над морем',
    'πράσινο δάσος στο βουνό',
    '静かな森の小道を歩く春の日です',
  ])('a passphrase in another script ("%s") is accepted, not called common', (password) => {
    expect(problem(password)).toBeNull();
  });

  it('digits, punctuation and symbols alone are still refused', () => {
    expect(problem('!@#$%^&*()_+-=[')).toMatch(/common/i);
    expect(problem('!!password!!!!!')).toMatch(/common/i);
  });

  it('spaces count and are kept: inner and outer spaces are part of the password', async () => {
    const phc = await argon2Hasher.hash(' quiet meadow river ');
    expect(await argon2Hasher.verify(phc, ' quiet meadow river ')).toBe(true);
    expect(await argon2Hasher.verify(phc, 'quiet meadow river')).toBe(false);
    expect(await argon2Hasher.verify(phc, ' quiet  meadow river ')).toBe(false);
  });
});

describe('R52: no composition rules', () => {
  it.each([
    'correct horse battery staple plus',
    'quiet meadow under falling snow',
    'ALL CAPITALS ARE FINE TOO',
    'zephyrquartzpebbleorchid',
  ])('"%s" (no digits or symbols) is accepted', (password) => {
    expect(problem(password)).toBeNull();
  });
});

describe('R53: common and context-specific passwords are refused with a reason', () => {
  it.each(['password1234567', 'passwordpassword', '123456789012345', 'Password123456789!'])(
    'the common password "%s" is refused as common',
    (password) => {
      expect(problem(password)).toMatch(/common/i);
    },
  );

  it.each([
    'EMResourceWinter2026!',
    'eICSWinter2026!!',
    'EMTrackWinter2026!',
    'emtrack-summer-2026',
  ])('a product name in "%s" is refused', (password) => {
    expect(problem(password)).toMatch(/product name/i);
  });

  it.each([
    ['the username and digits', 'dlatimer123456789'],
    ['the username in capitals', 'DLATIMER rules the ward'],
    ['the email address', 'dana.latimer@example.org'],
    ['the organization name', 'Springfield General Hospital'],
    ['the organization without spaces', 'springfieldgeneralhospital!'],
  ])('%s ("%s") is refused', (_what, password) => {
    expect(problem(password)).toMatch(/username, email address, organization or a product name/);
  });

  it('the same passwords are fine for someone they say nothing about', () => {
    const stranger: PasswordContext = {
      username: 'mquill',
      email: 'mq@example.net',
      organization: 'Shelbyville Clinic',
      products: [],
    };
    expect(passwordProblem('dlatimer123456789', stranger)).toBeNull();
    expect(passwordProblem('Springfield General Hospital', stranger)).toBeNull();
  });
});

describe('R53: repeated units and keyboard or alphabet runs are refused with a reason', () => {
  it.each([
    'letmeinletmein1',
    'iloveyouiloveyou',
    'monkeymonkeymonkey',
    'monkey monkey monkey!',
    'Sunshine2024Sunshine2024',
    '!!dragonfly-dragonfly!!',
    'bluebirdbluebirdblue',
  ])('"%s" repeats a short unit: refused, and the reason says so', (password) => {
    expect(problem(password)).toMatch(/repeats a short word or pattern/);
  });

  it.each([
    'qwertyuiopasdfgh',
    'poiuytrewqlkjhgf',
    'asdfghjklzxcvbnm',
    'zaq12wsxcde34rfv',
    'qazwsxedcrfvtgby',
    'xsw21qazvfr43edc',
    'mju7nhy6bgt5vfr4',
    '1q2w3e4r5t6y7u8i',
    'plokijuhygtfrdes',
    'qwe123asd456zxc789',
    'abcdefghijklmnop',
    'zyxwvutsrqponmlk',
    '9876543210abcdef',
  ])('"%s" is mostly a keyboard or alphabet run: refused, and the reason says so', (password) => {
    expect(problem(password)).toMatch(/keyboard pattern or a sequence/);
  });

  it.each(['1qaz2wsx3edc4rfv', '1qazxsw23edcvfr4'])(
    '"%s" is refused (it is on the common list as well as a keyboard run)',
    (password) => {
      expect(problem(password)).toMatch(/common|keyboard pattern/);
    },
  );

  it.each([
    'correct horse battery staple',
    'marble falcon quietly orbits',
    // One run beside real words leaves most of the password to guess.
    'qwerty violin harbour meadow',
    'first study of the night sky',
    'alert expert answers the tower',
    'a deed to the reward of referees',
  ])('a real passphrase ("%s") still passes', (password) => {
    expect(problem(password)).toBeNull();
  });

  it('no three- or four-word phrase from the diceware list is taken for a pattern', () => {
    const words = dictionary['diceware-common'] as string[];
    const stranger: PasswordContext = {};
    const refused: string[] = [];
    // Deterministic spread over the whole list: 3,000 phrases of three words, 3,000 of four.
    for (let i = 0; i < 6000; i += 1) {
      const length = i < 3000 ? 3 : 4;
      const phrase = Array.from(
        { length },
        (_, k) => words[(i * 7919 + k * 104729 + k * k * 31) % words.length],
      ).join(' ');
      const reason = passwordProblem(phrase, stranger);
      if (reason && /repeats a short|keyboard pattern/.test(reason)) refused.push(phrase);
    }
    expect(refused).toEqual([]);
  });
});

describe('R55: argon2id at OWASP minimum parameters, salted', () => {
  it('the stored string is $argon2id$v=19$m=19456,t=2,p=1$ with a salt of at least 16 bytes', async () => {
    const phc = await argon2Hasher.hash('tulip orbit saddle lantern');
    const match = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
      phc,
    );
    expect(match, phc).not.toBeNull();
    expect(Buffer.from(match?.[1] ?? '', 'base64').length).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(match?.[2] ?? '', 'base64').length).toBeGreaterThanOrEqual(32);
  });

  it('the same password gives a different hash each time, and each verifies', async () => {
    const first = await argon2Hasher.hash('tulip orbit saddle lantern');
    const second = await argon2Hasher.hash('tulip orbit saddle lantern');
    expect(first).not.toBe(second);
    expect(await argon2Hasher.verify(first, 'tulip orbit saddle lantern')).toBe(true);
    expect(await argon2Hasher.verify(second, 'tulip orbit saddle lantern')).toBe(true);
  });

  it('a garbled stored hash verifies nothing instead of throwing', async () => {
    expect(await argon2Hasher.verify('not a hash', 'tulip orbit saddle lantern')).toBe(false);
  });
});

describe('R56: hashes below target are marked for rehashing', () => {
  it('m=4096,t=1 needs a rehash (and still verifies, so sign-in can redo it); the target does not', async () => {
    const weak = await argon2Hash('tulip orbit saddle lantern', {
      algorithm: 2, // Argon2id
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    expect(weak).toMatch(/^\$argon2id\$v=19\$m=4096,t=1,p=1\$/);
    expect(argon2Hasher.needsRehash(weak)).toBe(true);
    expect(await argon2Hasher.verify(weak, 'tulip orbit saddle lantern')).toBe(true);

    const target = await argon2Hasher.hash('tulip orbit saddle lantern');
    expect(argon2Hasher.needsRehash(target)).toBe(false);
  });

  it('other algorithms and stronger-but-different parameters are marked too', () => {
    expect(argon2Hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(
      true,
    );
    expect(argon2Hasher.needsRehash('$2b$12$abcdefghijklmnopqrstuu')).toBe(true);
    expect(argon2Hasher.needsRehash('$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(
      true,
    );
  });
});

describe('R30 / R33: security answers', () => {
  it('R30: "  Blue  Car " matches "blue car" through the stored hash', async () => {
    expect(normalizeAnswer('  Blue  Car ')).toBe('blue car');
    const phc = await argon2Hasher.hash(normalizeAnswer('  Blue  Car '));
    expect(await argon2Hasher.verify(phc, normalizeAnswer('blue car'))).toBe(true);
    expect(await argon2Hasher.verify(phc, normalizeAnswer('BLUE\tCAR'))).toBe(true);
    expect(await argon2Hasher.verify(phc, normalizeAnswer('blue cart'))).toBe(false);
  });

  it('R30: case folding and NFKC: "Straße" matches "STRASSE", decomposed "José" matches precomposed', () => {
    expect(normalizeAnswer('Straße')).toBe(normalizeAnswer('STRASSE'));
    expect(normalizeAnswer('Jose\u0301')).toBe(normalizeAnswer('JOS\u00c9'));
  });

  it.each([
    ['"123"', '123'],
    ['"password"', 'password'],
    ['"Password" in another case', ' PASSWORD '],
    ['the username', 'dlatimer'],
    ['the username in capitals', 'DLatimer'],
    ['the email address', 'dana.latimer@example.org'],
    ['the email local part', 'Dana.Latimer'],
    ['two characters', 'ab'],
  ])('R33: %s is refused as an answer, with a reason', (_what, answer) => {
    expect(answerProblem(answer, ACCOUNT)).toEqual(expect.stringMatching(/\w/));
  });

  it('R33: a real answer is accepted', () => {
    expect(answerProblem('Rex the dog', ACCOUNT)).toBeNull();
    expect(answerProblem('Springfield Elementary', ACCOUNT)).toBeNull();
  });
});
