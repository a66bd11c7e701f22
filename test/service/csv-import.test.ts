import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import { parseCsv } from '../../service/import/csv-parser.ts';
import { findAccountsByIdentifier, holdersOf, productsOf } from '../../service/domain/accounts.ts';
import { ensureProduct, PRODUCTS } from '../../service/domain/account-records.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { passwordProblem } from '../../service/domain/password-policy.ts';
import { DEFAULT_SECURITY_QUESTIONS, parsePolicy } from '../../service/domain/policy.ts';
import { answerProblem, normalizeAnswer } from '../../service/domain/security-questions.ts';
import { importCsv } from '../../service/import/import-csv.ts';
import { openTestStore } from '../support/store.ts';
import { AccountSearcher } from '../../service/search/index.ts';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

const HEADER =
  'username,email,name,phone,organization,products,password,security_question,security_answer,shared,holders';

/** The peer benchmark's deterministic generator, copied from shared/bench/ldap-peer. */
const GENERATOR = path.resolve(import.meta.dirname, '../../scripts/gen-users.mjs');

/** The generator's products, beside the reference deployment's three. */
const GENERATED_PRODUCTS = [
  'ehr',
  'pacs',
  'lab',
  'pharmacy',
  'rostering',
  'payroll',
  'mail',
  'intranet',
];

function generatedCsv(n: number, seed: string): string {
  const args = [GENERATOR, '--n', String(n), '--seed', seed, '--format', 'csv'];
  return execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

const csv = (...rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';

let store: TestStore;
let ctx: ServiceContext;

const count = async (table: 'accounts' | 'organizations' | 'holders' | 'audit_events') => {
  const row = await ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

const accountNamed = async (username: string) => {
  const [account] = await findAccountsByIdentifier(ctx.db, username);
  if (!account) throw new Error(`no account ${username}`);
  return account;
};

function contextOf(testStore: TestStore): ServiceContext {
  return {
    db: testStore.db,
    plannedDb: testStore.plannedDb,
    search: new AccountSearcher(testStore.plannedDb, testStore.dialect, systemClock, 'store'),
    dialect: testStore.dialect,
    clock: new ManualClock(),
    hasher: argon2Hasher,
    config: loadConfig({ DATA_DIR: testStore.dataDir }),
    mailQueued: () => {},
  };
}

async function seedProducts(context: ServiceContext): Promise<void> {
  for (const product of PRODUCTS) await ensureProduct(context.db, product);
  for (const code of GENERATED_PRODUCTS) {
    await ensureProduct(context.db, {
      code,
      name: code.toUpperCase(),
      url: `https://${code}.example/`,
    });
  }
}

beforeAll(async () => {
  store = await openTestStore();
  ctx = contextOf(store);
  await seedProducts(ctx);
});

afterAll(async () => {
  await store.close();
});

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields, doubled quotes, CRLF and line breaks inside quotes, naming file lines', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""",\r\n"two\r\nlines",2,3\n\nlast,"",z';
    expect([...parseCsv(text)]).toEqual([
      { kind: 'record', line: 1, fields: ['a', 'b', 'c'] },
      { kind: 'record', line: 2, fields: ['x, y', 'say "hi"', ''] },
      { kind: 'record', line: 3, fields: ['two\r\nlines', '2', '3'] },
      { kind: 'record', line: 6, fields: ['last', '', 'z'] },
    ]);
  });

  it('reports a stray quote and an unclosed quote by line and reads on', () => {
    const items = [...parseCsv('a,b\nbad"field,1\nok,2\n"never closed,3\n')];
    expect(items.map((i) => [i.kind, i.line])).toEqual([
      ['record', 1],
      ['error', 2],
      ['record', 3],
      ['error', 4],
    ]);
  });
});

describe('importCsv', () => {
  it('a file with three bad rows reports all three by line and column, and imports nothing', async () => {
    const text = csv(
      'ok.one,ok.one@example.org,Ok One,,Valley Clinic,emresource,,,,false,',
      'bad@name,x@example.org,Bad Name,,Valley Clinic,emresource,,,,false,',
      'ok.two,ok.two@example.org,Ok Two,,Valley Clinic,"eics;emtrack",,,,false,',
      'no.email,not-an-address,No Email,,Valley Clinic,emresource,,,,maybe,',
      '"quoted, name",q@example.org,Q,,Valley Clinic,nosuch,,,,false,',
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 3, field: 'username', message: expect.stringMatching(/no @/) },
        { line: 5, field: 'email', message: expect.stringMatching(/email address/) },
        { line: 5, field: 'shared', message: 'Write true or false.' },
        { line: 6, field: 'username', message: expect.any(String) },
      ],
    });
    expect(await count('accounts')).toBe(0);
    expect(await count('organizations')).toBe(0);
  });

  it('refuses a file whose header is not exactly the documented one', async () => {
    const text =
      HEADER.replace('phone', 'telephone') + '\nA,a@example.org,A,,Org,emresource,,,,false,\n';
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 1, field: 'header', message: expect.stringMatching(/column 4 should be "phone"/) },
      ],
    });
  });

  it('names a row with the wrong number of fields and an unknown product', async () => {
    const text = csv(
      'short,row',
      'p.one,p1@example.org,P One,,Valley Clinic,emresource;nosuch,,,,false,',
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 2, field: 'row', message: 'Expected 11 fields, found 2.' },
        { line: 3, field: 'products', message: expect.stringMatching(/"nosuch"/) },
      ],
    });
  });

  it('an unquoted PHC string (it holds commas) is named as the likely cause of extra fields', async () => {
    const phc = await argon2Hasher.hash('whatever the old system had');
    const result = await importCsv(
      ctx,
      csv(`u.phc,u@example.org,U,,Valley Clinic,emresource,${phc},,,false,`),
    );
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 2, field: 'row', message: expect.stringMatching(/found 13.*double quotes/) },
      ],
    });
  });

  it('R53/R33: a weak plain password or trivial answer is refused with its column', async () => {
    const text = csv(
      'weak.pw,w@example.org,W,,Valley Clinic,emresource,weak.pw forever and ever,,,false,',
      'trivial,t@example.org,T,,Valley Clinic,emresource,,In what city were you born?,1234,false,',
      'no.question,n@example.org,N,,Valley Clinic,emresource,,,Springfield,false,',
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 2, field: 'password', message: expect.stringMatching(/username/) },
        { line: 3, field: 'security_answer', message: expect.stringMatching(/too easy/) },
        { line: 4, field: 'security_question', message: expect.any(String) },
      ],
    });
  });

  it('holders only on shared logins, written as Name <email>', async () => {
    const text = csv(
      'desk.a,desk.a@example.org,Desk A,,Valley Clinic,emresource,,,,false,Ann <ann@example.org>',
      'desk.b,desk.b@example.org,Desk B,,Valley Clinic,emresource,,,,true,Ann ann@example.org',
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 2, field: 'holders', message: expect.stringMatching(/Only a shared login/) },
        { line: 3, field: 'holders', message: expect.stringMatching(/Holder 1 .*Name <email>/) },
      ],
    });
  });

  it('imports a good file in one go: plain and PHC secrets, a shared login, a new organization', async () => {
    const phc = await argon2Hasher.hash('a password kept from the old system');
    const text = csv(
      'nina.park,Nina.Park@valley.example.org,Nina Park,+1 555 0101,Valley Clinic,"emresource; EICS",tundra violin marble cactus,What was the name of your first pet?,  Sir   Barksalot ,false,',
      `old.system,old@valley.example.org,Old System,,Valley Clinic,emtrack,"${phc}",In what city were you born?,"${phc}",false,`,
      'triage.desk,triage@valley.example.org,"Triage Desk, ER",,Valley Clinic,emresource,,,,TRUE,"Ann Lee <ann@valley.example.org>; Bo ""B"" Kim <bo@valley.example.org>"',
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: true,
      dryRun: false,
      imported: 3,
      organizations: 1,
      organizationsCreated: 1,
      notices: [
        {
          field: 'password',
          lines: [3],
          message: expect.stringMatching(/^1 password is an argon2 hash/),
        },
        {
          field: 'security_answer',
          lines: [3],
          message: expect.stringMatching(/cannot be checked/),
        },
      ],
    });

    const nina = await accountNamed('NINA.PARK');
    const ninaProducts = (await productsOf(ctx.db, nina.id)).map((p) => p.code);
    expect(ninaProducts.sort()).toEqual(['eics', 'emresource']);
    expect(await argon2Hasher.verify(nina.password_hash ?? '', 'tundra violin marble cactus')).toBe(
      true,
    );
    expect(
      await argon2Hasher.verify(nina.security_answer_hash ?? '', normalizeAnswer('sir barksalot')),
    ).toBe(true);

    const old = await accountNamed('old.system');
    expect(old.password_hash).toBe(phc);
    expect(
      await argon2Hasher.verify(old.password_hash ?? '', 'a password kept from the old system'),
    ).toBe(true);

    const desk = await accountNamed('triage.desk');
    expect(desk.name).toBe('Triage Desk, ER');
    expect(desk.shared).toBe(1);
    expect((await holdersOf(ctx.db, desk.id)).map((h) => `${h.name} <${h.email}>`)).toEqual([
      'Ann Lee <ann@valley.example.org>',
      'Bo "B" Kim <bo@valley.example.org>',
    ]);
    const org = await ctx.db.selectFrom('organizations').selectAll().executeTakeFirstOrThrow();
    expect(org.name).toBe('Valley Clinic');
    expect(parsePolicy(org.policy).allowSharedLogins).toBe(true);
    const audit = await ctx.db
      .selectFrom('audit_events')
      .select(['type', 'detail'])
      .where('account_id', '=', nina.id)
      .execute();
    expect(audit.map((a) => a.type)).toEqual(['account_imported']);
    expect(JSON.parse(audit[0]?.detail ?? '{}')).toMatchObject({ source: 'csv', line: 2 });
  });

  it('duplicate usernames within the file are refused whatever their case; one an account has updates it (issue 16)', async () => {
    const text = csv(
      'Fresh.One,f1@example.org,F,,Valley Clinic,emresource,,,,false,',
      'fresh.ONE,f2@example.org,F,,Valley Clinic,emresource,,,,false,',
      'NINA.PARK,n2@example.org,N,,Valley Clinic,emresource,,,,false,',
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: false,
      errors: [{ line: 3, field: 'username', message: expect.stringMatching(/line 2/) }],
      counts: { create: 1, update: 1, unchanged: 0, error: 1 },
    });
    // Update-or-create: the store's nina.park is matched without regard to case.
    expect(result.rows[2]).toMatchObject({
      line: 4,
      action: 'update',
      changes: expect.arrayContaining([
        { field: 'username', from: 'nina.park', to: 'NINA.PARK' },
        { field: 'email', from: expect.any(String), to: 'n2@example.org' },
      ]),
    });
  });

  it('with createMissingProducts, unknown product codes become products instead of errors', async () => {
    const text = csv(
      'rad.one,r1@example.org,R One,,Valley Clinic,radiology;emresource,,,,false,',
      'rad.two,r2@example.org,R Two,,Valley Clinic,Radiology,,,,false,',
    );
    expect(await importCsv(ctx, text)).toMatchObject({ ok: false });
    const result = await importCsv(ctx, text, { createMissingProducts: true, actor: 'admin-7' });
    expect(result).toMatchObject({
      ok: true,
      dryRun: false,
      imported: 2,
      organizations: 1,
      organizationsCreated: 0,
      notices: [],
    });
    const codes = (await productsOf(ctx.db, (await accountNamed('rad.two')).id)).map((p) => p.code);
    expect(codes).toEqual(['radiology']);
    const audit = await ctx.db
      .selectFrom('audit_events')
      .select('actor')
      .where('account_id', '=', (await accountNamed('rad.one')).id)
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe('admin-7');
  });

  it('a shared login is refused in an organization whose policy forbids them', async () => {
    await ctx.db
      .insertInto('organizations')
      .values({
        id: 'strict',
        name: 'Strict Org',
        policy: JSON.stringify({ allowSharedLogins: false }),
        created_at: 0,
      })
      .execute();
    const text = csv(
      'strict.desk,s@example.org,S,,Strict Org,emresource,,,,true,A <a@example.org>',
    );
    expect(await importCsv(ctx, text)).toMatchObject({
      ok: false,
      errors: [{ line: 2, field: 'shared', message: 'Strict Org does not allow shared logins.' }],
    });
  });
});

describe('importCsv applies the rules of the pages and the admin API (issue 13)', () => {
  const [SCHOOL = '', CITY = ''] = DEFAULT_SECURITY_QUESTIONS;

  it("R33: a question of the file's own is refused, naming the organization's curated list; a listed one is taken", async () => {
    const before = await count('accounts');
    await ctx.db
      .insertInto('organizations')
      .values({
        id: 'curated',
        name: 'Curated Org',
        policy: JSON.stringify({ securityQuestions: ['Which ward did you first work on?'] }),
        created_at: 0,
      })
      .execute();
    const refused = csv(
      'own.q,own.q@example.org,Own Q,,Valley Clinic,emresource,,What is my favourite colour?,Cerulean blue,false,',
      `default.q,default.q@example.org,Default Q,,Curated Org,emresource,,${SCHOOL},Hillside Primary,false,`,
      `case.q,case.q@example.org,Case Q,,Valley Clinic,emresource,,${CITY.toLowerCase()},Springfield,false,`,
    );
    expect(await importCsv(ctx, refused)).toMatchObject({
      ok: false,
      errors: [
        {
          line: 2,
          field: 'security_question',
          message: expect.stringMatching(
            /^"What is my favourite colour\?" is not one of Valley Clinic's security questions.*"In what city were you born\?"/,
          ),
        },
        {
          line: 3,
          field: 'security_question',
          message: expect.stringMatching(
            /Curated Org's security questions.*"Which ward did you first work on\?"\.$/,
          ),
        },
        { line: 4, field: 'security_question', message: expect.stringMatching(/word for word/) },
      ],
    });
    expect(await count('accounts')).toBe(before);

    const taken = csv(
      'ward.q,ward.q@example.org,Ward Q,,Curated Org,emresource,,Which ward did you first work on?,Ward seven,false,',
      // A new organization gets the default policy, and so the default list.
      `city.q,city.q@example.org,City Q,,Harbour Hospital,emresource,,${CITY},Springfield,false,`,
    );
    expect(await importCsv(ctx, taken)).toMatchObject({ ok: true, imported: 2 });
    expect((await accountNamed('ward.q')).security_question).toBe(
      'Which ward did you first work on?',
    );
  });

  it("R33: an answer shorter than the Security Question page's minimum is refused in that page's words; one at the minimum is taken", async () => {
    const who = { username: 'short.a', email: 'short.a@example.org' };
    // The page's rule is answerProblem: find its minimum rather than copy it (3 on 2026-12-07).
    const letters = 'Qzvkbmtrplwn';
    const minimum =
      [...letters].findIndex((_, i) => answerProblem(letters.slice(0, i + 1), who) === null) + 1;
    expect(minimum).toBeGreaterThan(1);
    const short = letters.slice(0, minimum - 1);
    const row = (answer: string) =>
      `${who.username},${who.email},Short A,,Valley Clinic,emresource,,${CITY},${answer},false,`;
    expect(await importCsv(ctx, csv(row(short)))).toMatchObject({
      ok: false,
      errors: [{ line: 2, field: 'security_answer', message: answerProblem(short, who) }],
    });
    // Spaces do not count: the page normalizes before it measures.
    expect(await importCsv(ctx, csv(row(`  ${short} `)))).toMatchObject({ ok: false });
    expect(await importCsv(ctx, csv(row(letters.slice(0, minimum))))).toMatchObject({
      ok: true,
      imported: 1,
    });
  });

  it('R33/R53: an argon2 answer or password cannot be checked: it is taken as it is, and the result names its lines', async () => {
    // A 2-character answer, hashed elsewhere: no rule can look into the hash.
    const answer = await argon2Hasher.hash(normalizeAnswer('ab'));
    const password = await argon2Hasher.hash('short');
    const text = csv(
      `hashed.a,hashed.a@example.org,Hashed A,,Valley Clinic,emresource,,${CITY},"${answer}",false,`,
      `hashed.b,hashed.b@example.org,Hashed B,,Valley Clinic,emresource,"${password}",${SCHOOL},"${answer}",false,`,
    );
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: true,
      imported: 2,
      notices: [
        { field: 'password', lines: [3], message: expect.stringMatching(/R53/) },
        {
          field: 'security_answer',
          lines: [2, 3],
          message: expect.stringMatching(
            /^2 answers are argon2 hashes, imported as given: .*minimum length.*cannot be checked/,
          ),
        },
      ],
    });
    expect((await accountNamed('hashed.a')).security_answer_hash).toBe(answer);
  });

  it('R77: CR, LF and other control characters in a name, phone, email, organization or holder are refused by line and column', async () => {
    const before = await count('accounts');
    const text = csv(
      '"cr.lf","cr.lf@example.org","Ann\r\nINFO forged line",,Valley Clinic,emresource,,,,false,',
      'tab.phone,tab.phone@example.org,Tab Phone,"+1 555\t0101",Valley Clinic,emresource,,,,false,',
      'nul.mail,"nul\u0000x@example.org",Nul Mail,,Valley Clinic,emresource,,,,false,',
      'esc.org,esc.org@example.org,Esc Org,,"Valley\u001b[2J Clinic",emresource,,,,false,',
      'sep.name,sep.name@example.org,"Line\u2028Separator",,Valley Clinic,emresource,,,,false,',
      'c1.desk,c1.desk@example.org,C1 Desk,,Valley Clinic,emresource,,,,true,"Bo\u0085Kim <bo@example.org>"',
    );
    const result = await importCsv(ctx, text);
    const oneLine = /^Write this on one line: it holds a line break or another control character/;
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 2, field: 'name', message: expect.stringMatching(/\(U\+000D, character 4\)\.$/) },
        // The quoted name's line break moves every later line on by one.
        { line: 4, field: 'phone', message: expect.stringMatching(/\(U\+0009, character 7\)/) },
        { line: 5, field: 'email', message: expect.stringMatching(/U\+0000/) },
        { line: 6, field: 'organization', message: expect.stringMatching(/U\+001B/) },
        { line: 7, field: 'name', message: expect.stringMatching(/U\+2028/) },
        {
          line: 8,
          field: 'holders',
          // The report quotes the holder with the character escaped: it stays one line (R77).
          message: expect.stringMatching(
            /^Holder 1 \("Bo\\u0085Kim <bo@example\.org>"\): Write this on one line.*U\+0085/,
          ),
        },
      ],
    });
    if (result.ok) return;
    for (const e of result.errors.slice(0, 5)) expect(e.message).toMatch(oneLine);
    for (const e of result.errors) expect(e.message).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    expect(await count('accounts')).toBe(before);
  });

  it("R53: a plain password is held to the pages' policy, refused in passwordProblem's words", async () => {
    const account = {
      username: 'pw.check',
      email: 'pw.check@example.org',
      organization: 'Valley Clinic',
      products: ['EMResource', 'emresource'],
    };
    const candidates = [
      'fourteen chars',
      'password1234567',
      'qwertyuiopasdfgh',
      'emresource lantern violin',
      'valleyclinic lantern violin',
    ];
    for (const password of candidates) {
      const expected = passwordProblem(password, account);
      expect(expected, password).not.toBeNull();
      const row = `${account.username},${account.email},Pw Check,,Valley Clinic,emresource,${password},,,false,`;
      expect(await importCsv(ctx, csv(row)), password).toMatchObject({
        ok: false,
        errors: [{ line: 2, field: 'password', message: expected }],
      });
    }
  });

  it('a dry run checks everything and writes nothing, previewing what the import would do', async () => {
    const before = await count('accounts');
    const organizationsBefore = await count('organizations');
    const text = csv(
      'dry.one,dry.one@example.org,Dry One,,Valley Clinic,emresource,,,,false,',
      'dry.two,dry.two@example.org,Dry Two,,Dry Run Hospital,emresource,,,,false,',
    );
    expect(await importCsv(ctx, text, { dryRun: true })).toMatchObject({
      ok: true,
      dryRun: true,
      imported: 2,
      organizations: 2,
      organizationsCreated: 1,
      notices: [],
    });
    const bad = csv('dry.bad,dry.bad@example.org,"Dry\nBad",,Valley Clinic,emresource,,,,false,');
    expect(await importCsv(ctx, bad, { dryRun: true })).toMatchObject({
      ok: false,
      errors: [{ line: 2, field: 'name' }],
    });
    expect(await count('accounts')).toBe(before);
    expect(await count('organizations')).toBe(organizationsBefore);
  });
});

/** The generated file's records, header left out. */
const recordsOf = (text: string): string[][] =>
  [...parseCsv(text)].slice(1).flatMap((item) => (item.kind === 'record' ? [item.fields] : []));

describe('importCsv and products (issue 14)', () => {
  let empty: TestStore;
  let emptyCtx: ServiceContext;
  beforeAll(async () => {
    empty = await openTestStore();
    emptyCtx = contextOf(empty);
  });
  afterAll(async () => empty?.close());

  const file = csv(
    'ward.one,w1@example.org,Ward One,,Valley Clinic,EMResource;eICS,,,,false,',
    'ward.two,w2@example.org,Ward Two,,Valley Clinic,emtrack;emresource,,,,false,',
    'ward.three,w3@example.org,Ward Three,,Valley Clinic,EMTrack,,,,false,',
  );

  it('issue 14: with no products at all, each row’s error says how to create them (the CLI command and the admin API)', async () => {
    const result = await importCsv(emptyCtx, file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'products'],
      [3, 'products'],
      [4, 'products'],
    ]);
    const [first] = result.errors;
    expect(first?.message).toContain(
      'Unknown product "emresource", "eics": there are no products yet.',
    );
    expect(first?.message).toContain(
      'npm run service -- product add --code CODE --name NAME --url URL',
    );
    expect(first?.message).toContain('POST /api/v1/products');
    expect(first?.message).toContain('--create-products');
  });

  it('issue 14: --create-products names each new product as the file first writes it, last in the display order in file order', async () => {
    const result = await importCsv(emptyCtx, file, { createMissingProducts: true });
    expect(result).toMatchObject({ ok: true, imported: 3 });
    const products = await emptyCtx.db
      .selectFrom('products')
      .select(['code', 'name', 'url', 'display_order'])
      .orderBy('display_order')
      .execute();
    expect(products).toEqual([
      { code: 'emresource', name: 'EMResource', url: '', display_order: 1 },
      { code: 'eics', name: 'eICS', url: '', display_order: 2 },
      { code: 'emtrack', name: 'emtrack', url: '', display_order: 3 },
    ]);
    const wardTwo = (await findAccountsByIdentifier(emptyCtx.db, 'ward.two'))[0];
    expect((await productsOf(emptyCtx.db, wardTwo?.id ?? '')).map((p) => p.name)).toEqual([
      'EMResource',
      'emtrack',
    ]);
  });
});

describe('importCsv with the benchmark generator', () => {
  it('imports 1,000 generated rows with their products and shared logins', async () => {
    const text = generatedCsv(1000, 'import-1k');
    const records = recordsOf(text);
    const organizations = new Set(records.map((fields) => fields[4])).size;
    const before = await count('accounts');
    const result = await importCsv(ctx, text);
    expect(result).toMatchObject({
      ok: true,
      dryRun: false,
      imported: 1000,
      organizations,
      organizationsCreated: organizations,
      notices: [],
    });
    expect((await count('accounts')) - before).toBe(1000);

    const sharedLogins = records.filter((fields) => fields[9] === 'true');
    expect(sharedLogins.length).toBeGreaterThan(0);
    const [username = '', , , , , products = '', , , , , holders = ''] = sharedLogins[0] ?? [];
    const account = await accountNamed(username);
    expect(account.shared).toBe(1);
    expect(account.password_hash).toBeNull();
    const storedHolders = (await holdersOf(ctx.db, account.id)).map(
      (h) => `${h.name} <${h.email}>`,
    );
    expect(storedHolders.sort()).toEqual(holders.split(';').sort());
    const storedProducts = (await productsOf(ctx.db, account.id)).map((p) => p.code);
    expect(storedProducts.sort()).toEqual(products.split(';').sort());
  });

  it('imports 10,000 generated rows with empty passwords', async () => {
    // Another seed still draws common names: a prefix keeps them apart from the 1,000 above.
    const lines = generatedCsv(10_000, 'import-10k').trimEnd().split('\n');
    const text = [lines[0], ...lines.slice(1).map((line) => `k.${line}`)].join('\n');
    const before = await count('accounts');
    const started = performance.now();
    const result = await importCsv(ctx, text);
    const seconds = (performance.now() - started) / 1000;
    expect(result).toMatchObject({ ok: true, imported: 10_000 });
    expect((await count('accounts')) - before).toBe(10_000);
    console.info(`imported 10,000 generated rows on ${store.dialect} in ${seconds.toFixed(2)} s`);
  }, 120_000);
});
