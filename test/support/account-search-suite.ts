import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountSearchQuerySchema,
  SEARCH_TOTAL_CAP,
  type AccountSearchResult,
  type AccountSummary,
} from '../../common/api/account-search.ts';
import { ManualClock } from '../../service/clock.ts';
import { emailKey, usernameKey } from '../../service/domain/accounts.ts';
import {
  searchAccounts,
  searchTuning,
  type SearchScope,
} from '../../service/search/account-search.ts';
import { parseTerm } from '../../service/search/search-query.ts';
import { newId } from '../../service/ids.ts';
import {
  PHONE_PUNCTUATION,
  SEARCH_MARK,
  foldSearchText,
} from '../../service/search/text-folding.ts';
import { AccountSearcher, rebuildSearchIndex } from '../../service/search/index.ts';
import { openTestStore } from './store.ts';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

const clock = new ManualClock();
const HOUR = 3_600_000;
const ALL: SearchScope = { organizationIds: null };

interface Person {
  username: string;
  email: string;
  name: string;
  phone: string;
  org: string;
  lockedAt?: number | null;
  lockedUntil?: number | null;
  disabled?: boolean;
  shared?: boolean;
  mustChange?: boolean;
  question?: boolean;
}

const ORGS = ['Taunton Laboratories', 'Riverside Hospital', 'Élan Clinic', 'North-East Care'];

/** Accounts whose matches the tests name; generated people fill the store around them. */
const CRAFTED: Person[] = [
  {
    username: 'john',
    email: 'jj@inbox.example',
    name: 'Johnny Walker',
    phone: '+44 20 7946 0958',
    org: 'Riverside Hospital',
  },
  {
    username: 'john.smith',
    email: 'John.Smith@taunton-laboratories.example',
    name: 'John Smith',
    phone: '+1 778 412 0123',
    org: 'Taunton Laboratories',
    question: true,
  },
  {
    username: 'mjohnson',
    email: 'm.johnson@taunton-laboratories.example',
    name: 'Mary Johnson',
    phone: '+1 778 412 9999',
    org: 'Taunton Laboratories',
    mustChange: true,
  },
  {
    username: 'bjohn',
    email: 'b@post.example',
    name: 'Bob Ajohn',
    phone: '',
    org: 'Riverside Hospital',
    disabled: true,
  },
  {
    username: 'elodie',
    email: 'elodie@elan.example',
    name: 'ÉLODIE Ørsted-Łukasz',
    phone: '+33 1 44 55 66 77',
    org: 'Élan Clinic',
  },
  {
    username: 'frontdesk.7',
    email: 'frontdesk.7@riverside.example',
    name: 'Front Desk 7',
    phone: '+44 20 7946 1111',
    org: 'Riverside Hospital',
    shared: true,
  },
  {
    username: 'locked.now',
    email: 'ln@post.example',
    name: 'Lena Locked',
    phone: '',
    org: 'North-East Care',
    lockedAt: 1,
    lockedUntil: null,
  },
  {
    username: 'locked.until',
    email: 'lu@post.example',
    name: 'Lars Locked',
    phone: '',
    org: 'North-East Care',
    lockedAt: 1,
    lockedUntil: 'future' as unknown as number,
  },
  {
    username: 'was.locked',
    email: 'wl@post.example',
    name: 'Walt Unlocked',
    phone: '',
    org: 'North-East Care',
    lockedAt: 1,
    lockedUntil: 'past' as unknown as number,
  },
  {
    username: 'percent',
    email: 'p@post.example',
    name: '100% Sure',
    phone: '',
    org: 'North-East Care',
  },
  {
    username: 'under_score',
    email: 'u@post.example',
    name: 'Una Score',
    phone: '',
    org: 'North-East Care',
  },
  {
    username: 'quote',
    email: 'q@post.example',
    name: 'Quinn "Q" Star*',
    phone: '',
    org: 'North-East Care',
  },
  { username: 'jo', email: 'jo@post.example', name: 'Jo Short', phone: '', org: 'North-East Care' },
];

let store: TestStore;
let people: Person[] = [];
/** The in-memory index under test, or null when the store's search is. */
let searcher: AccountSearcher | null = null;

async function insertPeople(list: Person[]): Promise<void> {
  const orgIds = new Map<string, string>();
  for (const row of await store.db.selectFrom('organizations').select(['id', 'name']).execute()) {
    orgIds.set(row.name, row.id);
  }
  const now = clock.now();
  const rows = list.map((p) => ({
    id: newId(),
    organization_id: orgIds.get(p.org) ?? '',
    username: p.username,
    username_key: usernameKey(p.username),
    email: p.email,
    email_key: emailKey(p.email),
    name: p.name,
    phone: p.phone,
    password_hash: null,
    must_change_password: p.mustChange ? 1 : 0,
    temp_password_expires_at: null,
    security_question: p.question ? 'First pet?' : null,
    security_answer_hash: p.question ? '$argon2id$stand-in' : null,
    failed_count: 0,
    locked_until:
      (p.lockedUntil as unknown) === 'future'
        ? now + HOUR
        : (p.lockedUntil as unknown) === 'past'
          ? now - HOUR
          : null,
    locked_at: p.lockedAt ? now - 2 * HOUR : null,
    disabled_at: p.disabled ? now : null,
    shared: p.shared ? 1 : 0,
    last_sign_in_at: null,
    password_changed_at: null,
    password_changed_how: null,
    password_changed_by: null,
    version: 1,
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 400) {
    await store.db
      .insertInto('accounts')
      .values(rows.slice(i, i + 400))
      .execute();
  }
}

interface GeneratedUser {
  username: string;
  email: string;
  name: string;
  phone: string;
  organization: string;
  shared: boolean;
}

async function generatedPeople(n: number): Promise<Person[]> {
  const file = path.resolve(import.meta.dirname, '../../scripts/gen-users.mjs');
  const gen = (await import(pathToFileURL(file).href)) as {
    generateUsers(o: { n: number; seed: string; orgs: number }): Iterable<GeneratedUser>;
  };
  const out: Person[] = [];
  let i = 0;
  for (const u of gen.generateUsers({ n, seed: '7', orgs: 3 })) {
    i += 1;
    out.push({
      username: u.username,
      email: u.email,
      name: u.name,
      phone: u.phone,
      // Generated organizations, mapped onto the test's four.
      org: ORGS[i % ORGS.length] ?? 'Riverside Hospital',
      shared: u.shared,
      question: i % 3 === 0,
      mustChange: i % 11 === 0,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The oracle: the search semantics computed in JavaScript over `people`.

const words = (text: string) => text.replace(/([ -])/g, `$1${SEARCH_MARK}`);
const digits = (phone: string) => [...phone].filter((c) => !PHONE_PUNCTUATION.includes(c)).join('');

function fieldsOf(p: Person): string[] {
  return [
    SEARCH_MARK + words(foldSearchText(usernameKey(p.username))),
    SEARCH_MARK + words(foldSearchText(emailKey(p.email))),
    SEARCH_MARK + words(foldSearchText(p.name)),
    SEARCH_MARK + digits(p.phone),
    SEARCH_MARK + words(foldSearchText(p.org)),
  ];
}

/** username_key → tier for every expected match, in (tier, username_key) order. */
function expected(q: string, keep: (p: Person) => boolean = () => true): Array<[string, number]> {
  const term = parseTerm(q);
  const P = term.chars.join('');
  const out: Array<[string, number]> = [];
  for (const p of people) {
    if (!keep(p)) continue;
    const key = usernameKey(p.username);
    const fields = fieldsOf(p);
    let tier: number | null = null;
    if (term.mode === 'all') tier = 3;
    else if (term.mode === 'one') tier = key.startsWith(P) ? (key === term.exact ? 0 : 1) : null;
    else if (term.mode === 'two') {
      tier = fields.some((f) => f.includes(SEARCH_MARK + P)) ? (key === term.exact ? 0 : 1) : null;
    } else if (fields.some((f) => f.includes(P))) {
      tier = key === term.exact ? 0 : fields.some((f) => f.includes(SEARCH_MARK + P)) ? 1 : 2;
    }
    if (tier !== null) out.push([key, tier]);
  }
  return out.sort((a, b) => a[1] - b[1] || compareKeys(a[0], b[0]));
}

/** Byte order of UTF-8 (SQLite's BINARY, PostgreSQL's "C"): code point order. */
function compareKeys(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) ?? 0);
  const y = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return x.length - y.length;
}

// ---------------------------------------------------------------------------------------------

function search(
  q: string,
  extra: Record<string, unknown> = {},
  scope: SearchScope = ALL,
): Promise<AccountSearchResult> {
  const query = AccountSearchQuerySchema.parse({ q, ...extra });
  return searcher
    ? searcher.search(query, scope)
    : searchAccounts(store.plannedDb, store.dialect, clock, query, scope);
}

/** Every page of a search, `limit` at a time. */
async function allPages(
  q: string,
  extra: Record<string, unknown> = {},
  scope: SearchScope = ALL,
): Promise<{ items: AccountSummary[]; first: AccountSearchResult; pages: number }> {
  const first = await search(q, extra, scope);
  const items = [...first.items];
  let cursor = first.nextCursor;
  let pages = 1;
  while (cursor) {
    const next = await search(q, { ...extra, cursor }, scope);
    expect(next.total).toBe(first.total);
    items.push(...next.items);
    cursor = next.nextCursor;
    pages += 1;
    if (pages > 500) throw new Error('too many pages');
  }
  return { items, first, pages };
}

const keyTier = (items: AccountSummary[]): Array<[string, number]> =>
  items.map((i) => [usernameKey(i.username), i.matchTier]);

async function expectSameAsOracle(q: string, limit = 7): Promise<void> {
  const want = expected(q);
  const { items, first } = await allPages(q, { limit });
  expect(keyTier(items), `search "${q}"`).toEqual(want);
  expect(first.total).toBe(Math.min(want.length, SEARCH_TOTAL_CAP));
  expect(first.totalCapped).toBe(want.length > SEARCH_TOTAL_CAP);
}

/**
 * The account search's tests, against the store's search (account-search.test.ts) or the
 * in-memory index (search-index.test.ts): one oracle, one set of expectations for both.
 */
export function accountSearchSuite(mode: 'store' | 'memory'): void {
  beforeAll(async () => {
    store = await openTestStore();
    for (const name of ORGS) {
      await store.db
        .insertInto('organizations')
        .values({ id: newId(), name, policy: '{}', created_at: clock.now() })
        .execute();
    }
    people = [...CRAFTED, ...(await generatedPeople(300))];
    await insertPeople(people);
    if (mode === 'memory')
      searcher = new AccountSearcher(store.plannedDb, store.dialect, clock, 'memory');
  });

  afterAll(async () => {
    // Every search of the memory run came from the index, none from the store behind it.
    if (searcher) expect(searcher.answered).toEqual({ index: expect.any(Number), store: 0 });
    if (searcher) expect(searcher.answered.index).toBeGreaterThan(100);
    await searcher?.close();
    await store?.close();
  });

  describe('account search: ranking and fields', () => {
    it('puts the exact username first, then prefixes, then substrings', async () => {
      const result = await search('john');
      const first = result.items[0];
      expect(first?.username).toBe('john');
      expect(first?.matchTier).toBe(0);
      const tiers = result.items.map((i) => i.matchTier);
      expect(tiers).toEqual([...tiers].sort((a, b) => a - b));
      const byName = new Map(result.items.map((i) => [i.username, i.matchTier]));
      expect(byName.get('john.smith')).toBe(1);
      expect(byName.get('mjohnson')).toBe(1); // "Mary Johnson": a word of the name starts with it
      expect(byName.get('bjohn')).toBe(2);
      await expectSameAsOracle('john');
    });

    it('finds every field by a fragment', async () => {
      const usernames = async (q: string) => (await allPages(q)).items.map((i) => i.username);
      expect(await usernames('n.smi')).toContain('john.smith'); // username and email
      expect(await usernames('laboratories.exa')).toEqual(
        expect.arrayContaining(['john.smith', 'mjohnson']),
      ); // email domain
      expect(await usernames('nny walk')).toEqual(['john']); // name
      expect(await usernames('7784120')).toEqual(['john.smith']); // phone digits
      expect(await usernames('778 412 0')).toEqual(['john.smith']); // with spaces
      expect(await usernames('+1 (778) 412-01')).toEqual(['john.smith']); // with punctuation
      expect(await usernames('7946 1111')).toEqual(['frontdesk.7']);
      expect(await usernames('lan clin')).toEqual(
        expect.arrayContaining(
          people.filter((p) => p.org === 'Élan Clinic').map((p) => p.username),
        ),
      ); // organization
      const long = [
        'laboratories.exa',
        'john.smith@taunton',
        'mary johnson',
        'ÉLAN CLINIC',
        'riverside hos',
      ];
      for (const q of [
        'n.smi',
        'nny walk',
        '7784120',
        '778 412 0',
        'lan clin',
        'riverside',
        ...long,
      ]) {
        await expectSameAsOracle(q, 50);
      }
    });

    it('matches without regard to case, accents folded only as case', async () => {
      for (const q of ['JOHN', 'élodie', 'ÉLODIE', 'łukasz', 'ØRSTED', 'élan', 'TAUNTON']) {
        await expectSameAsOracle(q, 50);
      }
      expect((await search('ŁUKASZ')).items.map((i) => i.username)).toEqual(['elodie']);
      expect((await search('orsted')).items).toEqual([]); // ø is a letter of its own
    });

    it('treats %, _, quotes and * as text', async () => {
      const usernames = async (q: string) => (await allPages(q)).items.map((i) => i.username);
      expect(await usernames('%')).toEqual([]); // one character: username prefix only
      expect(await usernames('0% s')).toEqual(['percent']);
      expect(await usernames('100%')).toEqual(['percent']);
      expect(await usernames('r_s')).toEqual(['under_score']);
      expect(await usernames('"q"')).toEqual(['quote']);
      expect(await usernames('star*')).toEqual(['quote']);
      expect(await usernames('*')).toEqual([]);
      expect(await usernames("o'b")).toEqual(
        people.filter((p) => fieldsOf(p).some((f) => f.includes("o'b"))).map((p) => p.username),
      );
      for (const q of [
        '%',
        '_',
        '__',
        '%%%',
        '"',
        '""',
        '*',
        '**',
        "'",
        "''",
        '\\',
        'a%b',
        'a_b',
      ]) {
        await expectSameAsOracle(q, 50);
      }
    });

    it('serves 1 and 2 characters from prefixes only', async () => {
      const one = await allPages('j', { limit: 20 });
      expect(one.items.every((i) => usernameKey(i.username).startsWith('j'))).toBe(true);
      await expectSameAsOracle('j', 11);
      await expectSameAsOracle('J', 11);
      const two = await allPages('jo', { limit: 20 });
      expect(two.items[0]?.username).toBe('jo'); // exact username
      expect(two.items.map((i) => i.username)).toContain('mjohnson'); // "Mary Johnson"
      expect(two.items.map((i) => i.username)).not.toContain('bjohn'); // "jo" only inside words
      await expectSameAsOracle('jo', 9);
      await expectSameAsOracle('+4', 9); // phone digits "4…"
    });

    // The store's tuning of its SQL: the in-memory index has nothing to tune.
    if (mode === 'store') {
      it('reads the substring list once or twice with the same answer', async () => {
        const queries = ['ohn', 'son', 'mith', 'ia ', 'a j', '.example', 'desk', 'ar', 'john'];
        try {
          for (const mode of ['once', 'twice'] as const) {
            searchTuning.substringRead = mode;
            for (const q of queries) await expectSameAsOracle(q, 9);
            const filtered = await allPages('son', { filter: 'must_change', limit: 3 });
            expect(keyTier(filtered.items)).toEqual(expected('son', (p) => Boolean(p.mustChange)));
          }
        } finally {
          searchTuning.substringRead = 'auto';
        }
      });

      it("keeps the table the live search spells: migration 002's frozen triggers and service/search agree", async () => {
        const grams = async () =>
          (await sql`select g, k, w from search_grams order by g, k`.execute(store.db)).rows;
        const byTriggers = await grams();
        expect(byTriggers.length).toBeGreaterThan(1000);
        await rebuildSearchIndex(store.db as unknown as Kysely<unknown>, store.dialect);
        expect(await grams()).toEqual(byTriggers);
      });
    }

    it('agrees with the oracle on many queries, page by page', async () => {
      const queries = [
        '',
        'a',
        'ma',
        'mar',
        'mari',
        'maria',
        'son',
        'smith',
        'ia ',
        'a j',
        'e-',
        '44 20',
        '.example',
        '@post',
        'frontdesk',
        'desk 7',
        'zzz',
        'ly',
        'ee',
      ];
      for (const p of people.slice(20, 40))
        queries.push(p.name.slice(1, 5), p.username.slice(0, 4));
      for (const q of queries) await expectSameAsOracle(q, 13);
    });

    it('finds patterns longer than a gram window exactly: full names, a name and part of a surname', async () => {
      await store.db
        .insertInto('organizations')
        .values({ id: newId(), name: 'Andrew Meyer Trust', policy: '{}', created_at: clock.now() })
        .execute();
      const more: Person[] = [
        {
          username: 'mmeyer',
          email: 'mm@post.example',
          name: 'Matthew Meyer',
          phone: '',
          org: 'Riverside Hospital',
        },
        // Every gram of "matthew me", each with its neighbours, is in this account, but never
        // together: only the look at the whole text can turn it away.
        {
          username: 'mjones',
          email: 'mj@post.example',
          name: 'Matthew Jones',
          phone: '',
          org: 'Andrew Meyer Trust',
        },
      ];
      await insertPeople(more);
      people.push(...more);
      expect((await search('Matthew Me')).items.map((i) => i.username)).toEqual(['mmeyer']);
      const queries = [
        'matthew meyer',
        'Andrew Meyer Trust',
        'w meyer trus',
        'Taunton Laboratories',
        'North-East Care',
        'john.smith@taunton-lab',
        'Johnny Walker',
      ];
      for (const p of people.slice(40, 60)) {
        queries.push(p.name, p.name.slice(0, p.name.indexOf(' ') + 4), p.email.slice(1, 14));
      }
      for (const q of queries) await expectSameAsOracle(q, 13);
    });
  });

  describe('account search: filters, scope, pages and total', () => {
    it('filters locked (now), without a question, shared, must-change and disabled', async () => {
      const names = async (filter: string, q = '') =>
        (await allPages(q, { filter, limit: 50 })).items.map((i) => i.username).sort();
      expect(await names('locked')).toEqual(['locked.now', 'locked.until']);
      expect(await names('disabled')).toEqual(['bjohn']);
      expect(await names('shared')).toEqual(
        people
          .filter((p) => p.shared)
          .map((p) => usernameKey(p.username))
          .sort(),
      );
      expect(await names('must_change')).toEqual(
        people
          .filter((p) => p.mustChange)
          .map((p) => usernameKey(p.username))
          .sort(),
      );
      expect((await names('no_question')).length).toBe(people.filter((p) => !p.question).length);
      expect(await names('must_change', 'john')).toEqual(['mjohnson']);
      expect(await names('locked,disabled')).toEqual([]);
      const shared = await allPages('desk', { filter: ['shared'], limit: 5 });
      expect(keyTier(shared.items)).toEqual(expected('desk', (p) => Boolean(p.shared)));
      const result = await search('locked');
      const locked = new Map(result.items.map((i) => [i.username, i.locked]));
      expect(locked.get('locked.now')).toBe(true);
      expect(locked.get('locked.until')).toBe(true);
      expect(locked.get('was.locked')).toBe(false);
    });

    it('restricts to the organization filter and to the caller scope', async () => {
      const orgs = await store.db.selectFrom('organizations').select(['id', 'name']).execute();
      const taunton = orgs.find((o) => o.name === 'Taunton Laboratories')?.id ?? '';
      const inTaunton = (p: Person) => p.org === 'Taunton Laboratories';
      const scoped = await allPages('john', { limit: 4 }, { organizationIds: [taunton] });
      expect(keyTier(scoped.items)).toEqual(expected('john', inTaunton));
      expect(scoped.items.every((i) => i.organization.id === taunton)).toBe(true);
      expect(scoped.first.total).toBe(expected('john', inTaunton).length);
      const filtered = await allPages('', { organization: taunton, limit: 9 });
      expect(keyTier(filtered.items)).toEqual(expected('', inTaunton));
      expect((await search('john', {}, { organizationIds: [] })).items).toEqual([]);
      const other = orgs.find((o) => o.name === 'Riverside Hospital')?.id ?? '';
      const none = await search('john', { organization: other }, { organizationIds: [taunton] });
      expect(none.items).toEqual([]);
    });

    it('pages by keyset: every match exactly once, in order', async () => {
      for (const [q, limit] of [
        ['', 17],
        ['a', 3],
        ['an', 5],
        ['an', 1],
        ['e', 200],
      ] as const) {
        const { items, first, pages } = await allPages(q, { limit });
        const keys = items.map((i) => i.id);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keyTier(items)).toEqual(expected(q));
        expect(pages).toBe(Math.max(1, Math.ceil(expected(q).length / limit)));
        expect(first.total).toBe(Math.min(expected(q).length, SEARCH_TOTAL_CAP));
      }
      await expect(search('john', { cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    });

    it('caps the total and still pages past the cap', async () => {
      const many: Person[] = Array.from({ length: SEARCH_TOTAL_CAP + 30 }, (_, i) => ({
        username: `capx${String(i).padStart(4, '0')}`,
        email: `capx${i}@cap.example`,
        name: `Cap Person ${i}`,
        phone: '',
        org: 'North-East Care',
      }));
      await insertPeople(many);
      people.push(...many);
      const first = await search('capx', { limit: 200 });
      expect(first.total).toBe(SEARCH_TOTAL_CAP);
      expect(first.totalCapped).toBe(true);
      const { items } = await allPages('capx', { limit: 200 });
      expect(items.length).toBe(SEARCH_TOTAL_CAP + 30);
      const substring = await allPages('apx0', { limit: 200 });
      expect(substring.items.length).toBe(1000);
      expect(substring.first.totalCapped).toBe(false);
      await expectSameAsOracle('person 1', 200);
    });

    it('follows renames, organization renames and deletes (triggers)', async () => {
      await store.db
        .updateTable('accounts')
        .set({ name: 'Zeno Quill' })
        .where('username_key', '=', 'quote')
        .execute();
      expect((await search('zeno qu')).items.map((i) => i.username)).toEqual(['quote']);
      expect((await search('quinn')).items).toEqual([]);
      await store.db
        .updateTable('accounts')
        .set({ failed_count: 2 })
        .where('username_key', '=', 'quote')
        .execute();
      expect((await search('zeno qu')).items.map((i) => i.username)).toEqual(['quote']);
      await store.db
        .updateTable('organizations')
        .set({ name: 'Élan Eye Care' })
        .where('name', '=', 'Élan Clinic')
        .execute();
      expect((await search('lan eye')).total).toBe(
        people.filter((p) => p.org === 'Élan Clinic').length,
      );
      expect((await search('lan clin')).items).toEqual([]);
      await store.db.deleteFrom('accounts').where('username_key', '=', 'percent').execute();
      expect((await search('100%')).items).toEqual([]);
      const orphans = await sql<{
        n: number;
      }>`select count(*) as n from search_grams where k = 'percent'`.execute(store.db);
      expect(Number(orphans.rows[0]?.n)).toBe(0);
    });
  });
}
