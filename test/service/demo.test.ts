import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import { seedDemo, type DemoAccount } from '../../service/demo.ts';
import {
  findAccountsByIdentifier,
  holdersOf,
  isLocked,
  organizationOf,
  productsOf,
} from '../../service/domain/accounts.ts';
import { loadAccountView } from '../../service/domain/admin/account-view.ts';
import { passwordProblem } from '../../service/domain/password-policy.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { normalizeAnswer } from '../../service/domain/security-questions.ts';
import { signIn } from '../../service/domain/sign-in.ts';
import type { Database } from '../../service/store/schema.ts';
import { openTestStore } from '../support/store.ts';
import { AccountSearcher } from '../../service/search/index.ts';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

let store: TestStore;
let ctx: ServiceContext;
let demo: DemoAccount[];

beforeAll(async () => {
  store = await openTestStore();
  ctx = {
    db: store.db,
    plannedDb: store.plannedDb,
    search: new AccountSearcher(store.plannedDb, store.dialect, systemClock, 'store'),
    dialect: store.dialect,
    clock: new ManualClock(),
    hasher: argon2Hasher,
    config: loadConfig({ DATA_DIR: store.dataDir }),
    mailQueued: () => {},
  };
  demo = await seedDemo(ctx);
});

afterAll(async () => {
  await store.close();
});

const TABLES: Array<keyof Database> = [
  'organizations',
  'products',
  'accounts',
  'account_products',
  'holders',
  'role_grants',
  'audit_events',
];

async function counts(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    result[table] = Number(row.n);
  }
  return result;
}

const accountNamed = async (username: string) => {
  const [account] = await findAccountsByIdentifier(ctx.db, username);
  if (!account) throw new Error(`no account ${username}`);
  return account;
};

const demoAccount = (username: string): DemoAccount => {
  const found = demo.find((a) => a.username === username);
  if (!found) throw new Error(`no demo account ${username}`);
  return found;
};

const attempt = (identifier: string, password: string) =>
  signIn(ctx, { identifier, password, ip: '127.0.0.1' });

describe('seedDemo', () => {
  it('running it twice changes nothing and does not fail', async () => {
    const before = await counts();
    expect(before.accounts).toBe(demo.length);
    const again = await seedDemo(ctx);
    expect(again).toEqual(demo);
    expect(await counts()).toEqual(before);
  });

  it('R49/R53: every demo password passes the policy and signs the account in as stored', async () => {
    for (const entry of demo) {
      const account = await accountNamed(entry.username);
      const org = await organizationOf(ctx.db, account);
      const products = (await productsOf(ctx.db, account.id)).flatMap((p) => [p.name, p.code]);
      const context = {
        username: entry.username,
        email: entry.email,
        organization: org.name,
        products,
      };
      expect(passwordProblem(entry.password, context), entry.username).toBeNull();
      expect(products.length, entry.username).toBeGreaterThan(0);
      expect(await argon2Hasher.verify(account.password_hash ?? '', entry.password)).toBe(true);
      if (entry.answer !== null) {
        const hash = account.security_answer_hash ?? '';
        expect(await argon2Hasher.verify(hash, normalizeAnswer(entry.answer))).toBe(true);
      }
    }
  });

  it('every account has a one-line description for the README', () => {
    for (const entry of demo) expect(entry.description).toMatch(/^[^\n]{10,200}$/);
    expect(demo.map((a) => a.username)).toEqual([
      'alice',
      'bob',
      'carol.one',
      'carol.two',
      'dave',
      'erin',
      'frank',
      'frontdesk.er',
      'nightshift',
      'grace',
      'admin',
    ]);
  });

  it('alice signs in straight to her products; bob must first set a security question', async () => {
    expect(await attempt('alice', demoAccount('alice').password)).toMatchObject({
      kind: 'signed_in',
      next: 'home',
    });
    expect(await attempt('bob@demo.example.org', demoAccount('bob').password)).toMatchObject({
      kind: 'signed_in',
      next: 'security_question',
    });
    expect((await accountNamed('bob')).security_question).toBeNull();
  });

  it('carol.one and carol.two share one email, so signing in by email asks for the username', async () => {
    expect(await findAccountsByIdentifier(ctx.db, 'carol@demo.example.org')).toHaveLength(2);
    expect(await attempt('carol@demo.example.org', demoAccount('carol.one').password)).toEqual({
      kind: 'ambiguous',
    });
  });

  it('dave must change his password at the next sign-in', async () => {
    expect(await attempt('dave', demoAccount('dave').password)).toMatchObject({
      kind: 'signed_in',
      next: 'change_password',
    });
  });

  it('R39: erin is locked until unlocked, and the right password gets the generic failure', async () => {
    const erin = await accountNamed('erin');
    expect(erin.failed_count).toBe(5);
    expect(erin.locked_until).toBeNull();
    expect(isLocked(erin, ctx.clock.now() + 365 * 86_400_000)).toBe(true);
    // Read before the attempt below adds its own failure.
    const events = await ctx.db
      .selectFrom('audit_events')
      .select(['type', 'detail'])
      .where('account_id', '=', erin.id)
      .where('type', 'in', ['sign_in_failed', 'lockout'])
      .orderBy('seq')
      .execute();
    expect(await attempt('erin', demoAccount('erin').password)).toEqual({ kind: 'failed' });
    // As the README says: locked by failed sign-ins, each one audited before the lock.
    expect(events.map((e) => e.type)).toEqual([
      ...Array<string>(5).fill('sign_in_failed'),
      'lockout',
    ]);
    expect(events.map((e) => JSON.parse(e.detail) as object)).toEqual([
      ...[1, 2, 3, 4, 5].map((failedCount) => ({
        reason: 'wrong_password',
        failedCount,
        via: 'pages',
      })),
      { failedCount: 5, until: null, trigger: 'wrong_password' },
    ]);
    const view = await loadAccountView(ctx.db, ctx.clock, await accountNamed('erin'));
    expect(view.status.lockReason).toBe('Too many failed sign-ins');
  });

  it('frank is disabled and cannot sign in', async () => {
    expect((await accountNamed('frank')).disabled_at).not.toBeNull();
    expect(await attempt('frank', demoAccount('frank').password)).toEqual({ kind: 'failed' });
  });

  it('frontdesk.er is a shared login with three holders and no owner', async () => {
    const account = await accountNamed('frontdesk.er');
    expect(account.shared).toBe(1);
    const holders = await holdersOf(ctx.db, account.id);
    expect(holders).toHaveLength(3);
    expect(holders.every((h) => h.is_owner === 0)).toBe(true);
  });

  it('nightshift is a shared login whose owner is one named holder', async () => {
    const account = await accountNamed('nightshift');
    const holders = await holdersOf(ctx.db, account.id);
    expect(account.shared).toBe(1);
    expect(holders.filter((h) => h.is_owner === 1).map((h) => h.name)).toEqual(['Marta Kowalski']);
  });

  it('grace belongs to Northside Clinic, which moved to an external login service', async () => {
    const org = await organizationOf(ctx.db, await accountNamed('grace'));
    expect(org.name).toBe('Northside Clinic');
    expect(org.policy.externalLoginUrl).toBe('https://login.northside.example/');
  });

  it('Demo Health exempts admins from TOTP and names its helpdesk', async () => {
    const org = await organizationOf(ctx.db, await accountNamed('alice'));
    expect(org.name).toBe('Demo Health');
    expect(org.policy.adminTotpExempt).toBe(true);
    expect(org.policy.adminContact).toBe('the Demo Health helpdesk, 555-0100');
  });

  it('R73: admin is the only super-administrator, of every organization, and is no shared login', async () => {
    const grants = await ctx.db
      .selectFrom('role_grants')
      .innerJoin('accounts', 'accounts.id', 'role_grants.account_id')
      .select([
        'accounts.username',
        'accounts.shared',
        'role_grants.role',
        'role_grants.organization_id',
      ])
      .execute();
    expect(grants).toEqual([
      { username: 'admin', shared: 0, role: 'super_admin', organization_id: null },
    ]);
  });

  it('every created account has an account_created audit event and none carries a secret (R36)', async () => {
    const events = await ctx.db
      .selectFrom('audit_events')
      .select(['detail', 'actor'])
      .where('type', '=', 'account_created')
      .execute();
    expect(events).toHaveLength(demo.length);
    const details = events.map((e) => e.detail).join('\n');
    for (const entry of demo) expect(details).not.toContain(entry.password);
    expect(details).not.toContain('$argon2');
  });
});
