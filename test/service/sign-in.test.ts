import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hash as argon2Hash } from '@node-rs/argon2';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { argon2Hasher, dummyPasswordHash, type Hasher } from '../../service/domain/passwords.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

const PASSWORD = 'tulip orbit saddle lantern';
const NEW_PASSWORD = 'marble falcon quietly orbits';

/** argon2 with call counters, to prove every sign-in branch hashes exactly once (R4). */
const calls = { hash: 0, verify: 0 };
const countingHasher: Hasher = {
  hash: (s) => ((calls.hash += 1), argon2Hasher.hash(s)),
  verify: (p, s) => ((calls.verify += 1), argon2Hasher.verify(p, s)),
  needsRehash: (p) => argon2Hasher.needsRehash(p),
};

let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let counter = 0;
const unique = (stem: string) => `${stem}${(counter += 1)}`;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp, hasher: countingHasher });
  org = await seedOrganization(svc.ctx, 'Lakeside Medical', {
    adminContact: 'the Lakeside helpdesk',
  });
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});
beforeEach(() => smtp.clear());

const signIn = (identifier: string, password: string, client = new WebClient(svc.url)) =>
  client.post('/login', { identifier, password });
const account = (id: string) =>
  svc.ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
/** The page as a person sees it, without the per-browser CSRF value. */
const normalized = (body: string) => body.replace(/name="_csrf" value="[^"]*"/, '');

describe('Log In', () => {
  it('signs in by username or by email, whatever the case, and opens the default view with the products', async () => {
    const username = unique('Alice.');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const byName = await signIn(username.toUpperCase(), PASSWORD);
    expect(byName.status).toBe(303);
    expect(byName.location).toBe('/');
    const client = new WebClient(svc.url);
    expect((await signIn(`${username}@EXAMPLE.org`, PASSWORD, client)).location).toBe('/');
    const home = await client.get('/');
    expect(home.heading).toBe('Your products');
    expect(home.text).toMatch(/EMResource.*EMTrack|eICS.*EMResource/);
  });

  it('R3/R39: unknown, wrong password, locked and disabled all get one status and one page', async () => {
    const locked = unique('locked');
    const disabled = unique('disabled');
    const known = unique('known');
    await seedAccount(svc.ctx, { organizationId: org, username: known });
    const lockedId = await seedAccount(svc.ctx, { organizationId: org, username: locked });
    const disabledId = await seedAccount(svc.ctx, { organizationId: org, username: disabled });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ locked_at: svc.clock.now(), locked_until: null })
      .where('id', '=', lockedId)
      .execute();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', disabledId)
      .execute();
    const client = new WebClient(svc.url);
    const attempts = [
      await signIn('nobody-here', PASSWORD, client),
      await signIn(known, 'not the right password at all', client),
      await signIn(locked, PASSWORD, client),
      await signIn(disabled, PASSWORD, client),
    ];
    expect(new Set(attempts.map((a) => a.status))).toEqual(new Set([401]));
    const pages = attempts.map((a, i) =>
      normalized(a.body).replace([`nobody-here`, known, locked, disabled][i] ?? '', 'X'),
    );
    expect(new Set(pages).size).toBe(1);
    expect(attempts[0]?.fieldError('password')).toMatch(/do not match an account that can sign in/);
  });

  it('R4: every branch runs the password hash exactly once', async () => {
    const known = unique('count');
    const lockedName = unique('countlocked');
    const noPassword = unique('nopw');
    await seedAccount(svc.ctx, { organizationId: org, username: known });
    const lockedId = await seedAccount(svc.ctx, { organizationId: org, username: lockedName });
    await seedAccount(svc.ctx, { organizationId: org, username: noPassword, password: null });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ locked_at: svc.clock.now(), locked_until: null })
      .where('id', '=', lockedId)
      .execute();
    const client = new WebClient(svc.url);
    await client.get('/login');
    for (const [identifier, password] of [
      ['nobody-at-all', PASSWORD],
      [known, 'wrong password but long enough'],
      [known, PASSWORD],
      [lockedName, PASSWORD],
      [noPassword, PASSWORD],
      [`shared-${known}@example.org`, PASSWORD],
    ] as const) {
      calls.verify = 0;
      calls.hash = 0;
      await signIn(identifier, password, client);
      expect({ identifier, verify: calls.verify, hash: calls.hash }).toEqual({
        identifier,
        verify: 1,
        hash: 0,
      });
    }
  });

  it('R4: each hasher verifies unknown accounts against a dummy hash it made itself', async () => {
    const made: string[] = [];
    const hasherWith = (memoryCost: number): Hasher => ({
      ...argon2Hasher,
      async hash(secret) {
        const phc = await argon2Hash(secret, {
          algorithm: 2,
          memoryCost,
          timeCost: 1,
          parallelism: 1,
        });
        made.push(phc);
        return phc;
      },
    });
    const light = hasherWith(1024);
    const heavy = hasherWith(8192);
    const lightDummy = await dummyPasswordHash(light);
    const heavyDummy = await dummyPasswordHash(heavy);
    // Each is one of its own hasher's hashes, with that hasher's parameters (and so its cost).
    expect(lightDummy).toMatch(/^\$argon2id\$v=19\$m=1024,/);
    expect(heavyDummy).toMatch(/^\$argon2id\$v=19\$m=8192,/);
    expect(made).toEqual([lightDummy, heavyDummy]);
    // Made once per hasher, however many sign-ins ask at once.
    const again = await Promise.all([dummyPasswordHash(light), dummyPasswordHash(heavy)]);
    expect(again).toEqual([lightDummy, heavyDummy]);
    expect(made).toHaveLength(2);
  });

  it('R4/R48: an unknown account costs what a wrong password does: a counter (under a digest, never the text) and an audit event', async () => {
    const ghost = `${unique('Ghost.')}`;
    const digest = createHash('sha256').update(ghost.toLowerCase()).digest('hex');
    const counter = () =>
      svc.ctx.db
        .selectFrom('rate_counters')
        .select(['bucket', 'count'])
        .where('bucket', '=', `sign-in-failed:${digest}`)
        .execute();
    expect(await counter()).toEqual([]);
    expect((await signIn(ghost, 'not a password anyone has')).status).toBe(401);
    expect((await signIn(ghost.toUpperCase(), 'still not a password')).status).toBe(401);
    expect((await counter()).map((c) => c.count)).toEqual([2]);
    const buckets = await svc.ctx.db.selectFrom('rate_counters').select('bucket').execute();
    expect(buckets.map((b) => b.bucket).join(' ')).not.toContain(ghost.toLowerCase());
    const audited = await svc.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'sign_in_failed')
      .where('account_id', 'is', null)
      .orderBy('seq', 'desc')
      .limit(2)
      .execute();
    expect(audited.map((a) => JSON.parse(a.detail))).toEqual([
      expect.objectContaining({ reason: 'unknown_account', via: 'pages', failures: 2 }),
      expect.objectContaining({ reason: 'unknown_account', via: 'pages', failures: 1 }),
    ]);
    // Refused identifiers are also counted per client address (enumeration, R48).
    const fromIp = audited.map(
      (a) => (JSON.parse(a.detail) as { failuresFromIp: number }).failuresFromIp,
    );
    expect(fromIp[0]).toBe((fromIp[1] ?? 0) + 1);
  });

  it('an email of several accounts asks for the username, naming none of them', async () => {
    const email = `${unique('twins')}@example.org`;
    const a = unique('twin');
    const b = unique('twin');
    await seedAccount(svc.ctx, { organizationId: org, username: a, email });
    await seedAccount(svc.ctx, { organizationId: org, username: b, email });
    const response = await signIn(email, PASSWORD);
    expect(response.status).toBe(400);
    expect(response.fieldError('identifier')).toMatch(/Enter your username instead/);
    expect(response.text).not.toContain(a);
    expect(response.text).not.toContain(b);
    expect((await signIn(b, PASSWORD)).location).toBe('/');
  });

  it('R56: a hash made with weaker parameters is upgraded on sign-in, not on a failure', async () => {
    const username = unique('legacy');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const weak = await argon2Hash(PASSWORD, {
      algorithm: 2,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ password_hash: weak })
      .where('id', '=', id)
      .execute();
    await signIn(username, 'a wrong password of some length');
    expect((await account(id)).password_hash).toBe(weak);
    expect((await signIn(username, PASSWORD)).location).toBe('/');
    expect((await account(id)).password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await signIn(username, PASSWORD)).location).toBe('/');
  });

  it('follows return_to only to a product on the allow-list', async () => {
    const username = unique('ret');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const client = new WebClient(svc.url);
    const product = await client.post('/login', {
      identifier: username,
      password: PASSWORD,
      return_to: 'https://emtrack.example.org/board',
    });
    expect(product.location).toBe('https://emtrack.example.org/board');
    const evil = await client.post('/login', {
      identifier: username,
      password: PASSWORD,
      return_to: 'https://evil.example/steal',
    });
    expect(evil.location).toBe('/');
  });

  it('a product imported without an address neither breaks return_to nor becomes a link', async () => {
    const code = unique('noaddr');
    const last = await svc.ctx.db
      .selectFrom('products')
      .select((eb) => eb.fn.max('display_order').as('n'))
      .executeTakeFirstOrThrow();
    await svc.ctx.db
      .insertInto('products')
      .values({
        id: code,
        code,
        name: 'No Address',
        url: '',
        display_order: Number(last.n ?? 0) + 1,
      })
      .execute();
    const username = unique('noaddr');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    await svc.ctx.db
      .insertInto('account_products')
      .values({ account_id: id, product_id: code })
      .execute();
    const client = new WebClient(svc.url);
    const signedIn = await client.post('/login', {
      identifier: username,
      password: PASSWORD,
      return_to: 'https://emtrack.example.org/board',
    });
    expect(signedIn.location).toBe('https://emtrack.example.org/board');
    const home = await client.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('<li>No Address</li>');
  });

  it('sign-out ends the session', async () => {
    const username = unique('out');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const client = new WebClient(svc.url);
    await signIn(username, PASSWORD, client);
    const stolenCookie = client.cookie('lk_session');
    expect((await client.post('/logout', {})).location).toBe('/login?signed_out');
    const replay = await fetch(`${svc.url}/`, {
      headers: { cookie: `lk_session=${stolenCookie}` },
      redirect: 'manual',
    });
    expect(replay.headers.get('location')).toBe('/login');
  });
});

describe('a process started before a migration', () => {
  const isPostgres = () => /^postgres/.test(process.env.DATABASE_URL ?? '');

  // PostgreSQL prepares the sign-in path's statements once per connection (the store's
  // plannedDb); one that read `accounts.*` would fail once a column is added or dropped.
  it.skipIf(!isPostgres())(
    'still signs people in after a column is added to accounts, and after it is dropped',
    async () => {
      const usernames = Array.from({ length: 6 }, () => unique('Rolling.'));
      for (const username of usernames)
        await seedAccount(svc.ctx, { organizationId: org, username });
      // Several at once, so that every pooled connection has prepared its statements.
      const signInAll = async () =>
        (await Promise.all(usernames.map((u) => signIn(u, PASSWORD)))).map((r) => r.location);
      expect(await signInAll()).toEqual(Array(6).fill('/'));
      await sql`alter table accounts add column added_later text`.execute(svc.ctx.db);
      expect(await signInAll()).toEqual(Array(6).fill('/'));
      await sql`alter table accounts drop column added_later`.execute(svc.ctx.db);
      expect(await signInAll()).toEqual(Array(6).fill('/'));
    },
  );
});

describe('lockout (SPEC §4, R37–R40)', () => {
  it('five failures lock for 15 minutes; the owner is told; the right password is refused until then', async () => {
    const username = unique('guessed');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    for (let i = 0; i < 5; i += 1)
      expect((await signIn(username, `wrong guess number ${i}!`)).status).toBe(401);
    const locked = await account(id);
    expect(locked.locked_until).toBe(svc.clock.now() + 15 * 60_000);
    const mail = await smtp.waitFor(
      (m) => m.to.includes(`${username}@example.org`) && /locked/.test(m.subject),
    );
    expect(mail.text).toContain('the Lakeside helpdesk');
    expect((await signIn(username, PASSWORD)).status).toBe(401);
    svc.clock.advance(15 * 60_000 + 1000);
    expect((await signIn(username, PASSWORD)).location).toBe('/');
    expect((await account(id)).failed_count).toBe(0);
  });

  it('R38: once a lockout has run out, the next wrong password counts from one again', async () => {
    const username = unique('expired');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    for (let i = 0; i < 5; i += 1) await signIn(username, `wrong guess number ${i}!`);
    expect((await account(id)).locked_at).not.toBeNull();
    svc.clock.advance(15 * 60_000 + 1000);
    expect((await signIn(username, 'one more wrong guess')).status).toBe(401);
    expect(await account(id)).toMatchObject({
      failed_count: 1,
      locked_at: null,
      locked_until: null,
    });
    // Four more reach the threshold again and lock again; while locked, tries are not counted.
    for (let i = 0; i < 4; i += 1) await signIn(username, `wrong guess number ${i}!`);
    const relocked = await account(id);
    expect(relocked.failed_count).toBe(5);
    expect(relocked.locked_until).toBe(svc.clock.now() + 15 * 60_000);
    await signIn(username, 'and another wrong one');
    expect(await account(id)).toMatchObject({
      failed_count: 5,
      locked_until: relocked.locked_until,
    });
  });

  it('a lockout of a shared login tells every holder', async () => {
    const username = unique('frontdesk');
    const holders = [unique('h'), unique('h')].map((h) => ({ name: h, email: `${h}@example.org` }));
    await seedAccount(svc.ctx, { organizationId: org, username, shared: true, holders });
    for (let i = 0; i < 5; i += 1) await signIn(username, `wrong guess number ${i}!`);
    for (const h of holders) {
      const mail = await smtp.waitFor((m) => m.to.includes(h.email) && /locked/.test(m.subject));
      expect(mail.text).toMatch(/shared login/);
    }
  });

  it('R40: twenty parallel wrong passwords count twenty and lock once', async () => {
    const username = unique('parallel');
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(username, `parallel wrong guess ${i}`)),
    );
    const after = await account(id);
    expect(after.locked_at).not.toBeNull();
    const lockouts = await svc.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('account_id', '=', id)
      .where('type', '=', 'lockout')
      .execute();
    expect(lockouts).toHaveLength(1);
    const failures = await svc.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('account_id', '=', id)
      .where('type', '=', 'sign_in_failed')
      .execute();
    expect(failures).toHaveLength(20);
  });
});

describe('steps owed after sign-in', () => {
  it('an account flagged must-change changes its password first; the session can reach nothing else', async () => {
    const username = unique('flagged');
    await seedAccount(svc.ctx, { organizationId: org, username, mustChange: true });
    const client = new WebClient(svc.url);
    expect((await signIn(username, PASSWORD, client)).location).toBe('/change-password');
    expect((await client.get('/')).location).toBe('/change-password');
    expect((await client.get('/security-question')).location).toBe('/change-password');
    const page = await client.get('/change-password');
    expect(page.text).toContain('You must choose a new password before you continue.');
    const wrongCurrent = await client.post('/change-password', {
      current_password: 'not my password at all',
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(wrongCurrent.fieldError('current_password')).toMatch(/not your current password/);
    const done = await client.post('/change-password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(done.location).toBe('/');
    expect((await client.get('/')).heading).toBe('Your products');
  });

  it('an account without a security question chooses one from the list before anything else', async () => {
    const username = unique('noquestion');
    const id = await seedAccount(svc.ctx, { organizationId: org, username, answer: null });
    const client = new WebClient(svc.url);
    expect((await signIn(username, PASSWORD, client)).location).toBe('/security-question');
    expect((await client.get('/')).location).toBe('/security-question');
    const custom = await client.post('/security-question', {
      question: 'What is my own question?',
      answer: 'something',
    });
    expect(custom.fieldError('question')).toMatch(/Choose one of the questions/);
    const trivial = await client.post('/security-question', {
      question: 'In what city were you born?',
      answer: 'password',
    });
    expect(trivial.fieldError('answer')).toMatch(/too easy/);
    const saved = await client.post('/security-question', {
      question: 'In what city were you born?',
      answer: 'Thunder Bay',
    });
    expect(saved.location).toBe('/');
    expect((await account(id)).security_answer_hash).toMatch(/^\$argon2id\$/);
    await smtp.waitFor(
      (m) => m.to.includes(`${username}@example.org`) && /security question/.test(m.subject),
    );
  });

  it('R34: changing an existing question needs the current password', async () => {
    const username = unique('changeq');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const client = new WebClient(svc.url);
    await signIn(username, PASSWORD, client);
    const refused = await client.post('/security-question', {
      question: 'In what city were you born?',
      answer: 'Thunder Bay',
    });
    expect(refused.fieldError('current_password')).toMatch(/current password/);
    const ok = await client.post('/security-question', {
      question: 'In what city were you born?',
      answer: 'Thunder Bay',
      current_password: PASSWORD,
    });
    expect(ok.location).toBe('/');
  });

  it('R59: a temporary password opens one restricted session, once, and not after 24 hours', async () => {
    const username = unique('temp');
    const id = await seedAccount(svc.ctx, { organizationId: org, username, mustChange: true });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ temp_password_expires_at: svc.clock.now() + 24 * 3_600_000 })
      .where('id', '=', id)
      .execute();
    const first = new WebClient(svc.url);
    expect((await signIn(username, PASSWORD, first)).location).toBe('/change-password');
    expect((await signIn(username, PASSWORD)).status).toBe(401);
    const same = await first.post('/change-password', {
      current_password: PASSWORD,
      new_password: PASSWORD,
      verify_password: PASSWORD,
    });
    expect(same.fieldError('new_password')).toMatch(/current password/);
    expect(
      (
        await first.post('/change-password', {
          current_password: PASSWORD,
          new_password: NEW_PASSWORD,
          verify_password: NEW_PASSWORD,
        })
      ).location,
    ).toBe('/');

    const unused = unique('temp');
    const unusedId = await seedAccount(svc.ctx, {
      organizationId: org,
      username: unused,
      mustChange: true,
    });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ temp_password_expires_at: svc.clock.now() + 24 * 3_600_000 })
      .where('id', '=', unusedId)
      .execute();
    svc.clock.advance(24 * 3_600_000 + 1000);
    expect((await signIn(unused, PASSWORD)).status).toBe(401);
  });

  it('R24: a password change signs out every other session and tells the owner', async () => {
    const username = unique('elsewhere');
    await seedAccount(svc.ctx, { organizationId: org, username });
    const other = new WebClient(svc.url);
    const current = new WebClient(svc.url);
    await signIn(username, PASSWORD, other);
    await signIn(username, PASSWORD, current);
    await current.post('/change-password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect((await other.get('/')).location).toBe('/login');
    expect((await current.get('/')).heading).toBe('Your products');
    const mail = await smtp.waitFor(
      (m) => m.to.includes(`${username}@example.org`) && /was changed/.test(m.subject),
    );
    expect(mail.text).not.toContain(NEW_PASSWORD);
  });
});
