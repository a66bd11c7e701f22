import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import { findAccountsByIdentifier, holdersOf, productsOf } from '../../service/domain/accounts.ts';
import { AccountInputError, type AccountInput } from '../../service/domain/account-input.ts';
import {
  createAccount,
  ensureOrganization,
  ensureProduct,
  PRODUCTS,
} from '../../service/domain/account-records.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { parsePolicy } from '../../service/domain/policy.ts';
import { normalizeAnswer } from '../../service/domain/security-questions.ts';
import { openTestStore } from '../support/store.ts';
import { AccountSearcher } from '../../service/search/index.ts';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

let store: TestStore;
let ctx: ServiceContext;
let orgId: string;
let noSharingOrgId: string;

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
  for (const product of PRODUCTS) await ensureProduct(ctx.db, product);
  orgId = (await ensureOrganization(ctx.db, ctx.clock, 'Lakeside Hospital')).id;
  noSharingOrgId = (
    await ensureOrganization(ctx.db, ctx.clock, 'Strict Clinic', { allowSharedLogins: false })
  ).id;
});

afterAll(async () => {
  await store.close();
});

const base = (overrides: Partial<AccountInput> = {}): AccountInput => ({
  organizationId: orgId,
  username: 'placeholder',
  email: 'someone@lakeside.example.org',
  name: 'Someone',
  products: ['emresource'],
  ...overrides,
});

/** The problems `createAccount` refuses the input with, or [] when it succeeds. */
async function refusal(input: AccountInput): Promise<Array<{ field: string; message: string }>> {
  try {
    await ctx.db.transaction().execute((trx) => createAccount(trx, ctx, input));
    return [];
  } catch (error) {
    if (error instanceof AccountInputError) return error.problems;
    throw error;
  }
}

const accountNamed = async (username: string) => {
  const [account] = await findAccountsByIdentifier(ctx.db, username);
  if (!account) throw new Error(`no account ${username}`);
  return account;
};

describe('organizations and products', () => {
  it('ensureOrganization and ensureProduct are idempotent and keep the first policy', async () => {
    const again = await ensureOrganization(ctx.db, ctx.clock, 'Strict Clinic', {
      allowSharedLogins: true,
    });
    expect(again.id).toBe(noSharingOrgId);
    expect(parsePolicy(again.policy).allowSharedLogins).toBe(false);
    const product = await ensureProduct(ctx.db, { code: 'eics', name: 'Other', url: 'https://x/' });
    expect(product.name).toBe('eICS');
    const count = await ctx.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
  });
});

describe('createAccount', () => {
  it('creates an account with its products, question and an audit event naming the actor', async () => {
    const created = await ctx.db.transaction().execute((trx) =>
      createAccount(
        trx,
        ctx,
        base({
          username: 'Maria.Lopez',
          email: 'Maria.Lopez@Lakeside.example.org',
          name: 'Maria Lopez',
          phone: '+1 555 0100',
          products: ['EMResource', 'emtrack'],
          password: 'granite lemon harbor violin',
          securityQuestion: 'What was the name of your first pet?',
          securityAnswer: '  Rex   the DOG ',
        }),
        'admin-42',
      ),
    );
    const account = await accountNamed('maria.lopez');
    expect(account.id).toBe(created.id);
    expect(account.username).toBe('Maria.Lopez');
    expect(account.email_key).toBe('maria.lopez@lakeside.example.org');
    expect(account.shared).toBe(0);
    expect((await productsOf(ctx.db, account.id)).map((p) => p.name)).toEqual([
      'EMResource',
      'EMTrack',
    ]);
    expect(account.security_question).toBe('What was the name of your first pet?');
    const answerHash = account.security_answer_hash ?? '';
    expect(await argon2Hasher.verify(answerHash, normalizeAnswer('rex the dog'))).toBe(true);
    const audit = await ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('account_id', '=', account.id)
      .execute();
    expect(audit.map((e) => [e.type, e.actor])).toEqual([['account_created', 'admin-42']]);
    expect(audit[0]?.detail).not.toContain('granite');
    expect(audit[0]?.detail).not.toContain('argon2');
  });

  it('R55: a plain password is stored as argon2id m=19456,t=2,p=1 and verifies', async () => {
    await ctx.db
      .transaction()
      .execute((trx) =>
        createAccount(
          trx,
          ctx,
          base({ username: 'hash.check', password: 'copper kettle sunrise' }),
        ),
      );
    const account = await accountNamed('hash.check');
    expect(account.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await argon2Hasher.verify(account.password_hash ?? '', 'copper kettle sunrise')).toBe(
      true,
    );
  });

  it('a password given as a PHC string is stored exactly as given and verifies', async () => {
    const phc = await argon2Hasher.hash('an existing password from elsewhere');
    await ctx.db.transaction().execute((trx) =>
      createAccount(
        trx,
        ctx,
        base({
          username: 'migrated',
          password: phc,
          securityAnswer: phc,
          securityQuestion: 'In what city were you born?',
        }),
      ),
    );
    const account = await accountNamed('migrated');
    expect(account.password_hash).toBe(phc);
    expect(account.security_answer_hash).toBe(phc);
    expect(
      await argon2Hasher.verify(account.password_hash ?? '', 'an existing password from elsewhere'),
    ).toBe(true);
  });

  it('an account may have no password and no question (invited later)', async () => {
    await ctx.db
      .transaction()
      .execute((trx) =>
        createAccount(
          trx,
          ctx,
          base({ username: 'no.secrets', password: '', securityQuestion: '', securityAnswer: '' }),
        ),
      );
    const account = await accountNamed('no.secrets');
    expect(account.password_hash).toBeNull();
    expect(account.security_question).toBeNull();
    expect(account.security_answer_hash).toBeNull();
  });

  it('R7: a username containing @ is refused, with the rule explained', async () => {
    const problems = await refusal(base({ username: 'maria@lakeside' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.field).toBe('username');
    expect(problems[0]?.message).toMatch(/no @/);
    expect(await findAccountsByIdentifier(ctx.db, 'maria@lakeside')).toEqual([]);
  });

  it('usernames differing only by case collide', async () => {
    const problems = await refusal(base({ username: 'MARIA.lopez' }));
    expect(problems).toEqual([
      {
        field: 'username',
        message: expect.stringMatching(/taken.*without regard to case/),
      },
    ]);
  });

  it('reports every problem of shape at once, each with its field', async () => {
    const problems = await refusal(
      base({ username: 'x', email: 'not an address', name: ' ', products: [] }),
    );
    expect(problems.map((p) => p.field)).toEqual(['username', 'email', 'name', 'products']);
    expect(problems.find((p) => p.field === 'email')?.message).toMatch(/name@example\.org/);
  });

  it('reports an unknown product and a weak password (R49) together', async () => {
    const problems = await refusal(
      base({ username: 'two.problems', products: ['nosuchproduct'], password: 'short one' }),
    );
    expect(problems.map((p) => p.field).sort()).toEqual(['password', 'products']);
    expect(problems.find((p) => p.field === 'products')?.message).toMatch(/"nosuchproduct"/);
    expect(problems.find((p) => p.field === 'password')?.message).toMatch(/at least 15/);
  });

  it('R53: a password that names a product or the organization is refused with the reason', async () => {
    const product = await refusal(
      base({ username: 'pw.product', products: ['eics'], password: 'eics is where I work daily' }),
    );
    expect(product).toEqual([
      { field: 'password', message: expect.stringMatching(/product name/) },
    ]);
    const context = await refusal(
      base({ username: 'pw.context', password: 'lakeside nights are long and cold' }),
    );
    expect(context).toEqual([
      { field: 'password', message: expect.stringMatching(/organization/) },
    ]);
  });

  it('a hash of another kind is never taken for a plain password', async () => {
    const bcrypt = '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW';
    const problems = await refusal(base({ username: 'bcrypt.user', password: bcrypt }));
    expect(problems).toEqual([{ field: 'password', message: expect.stringMatching(/argon2/) }]);
  });

  it('R33: a trivial answer or one equal to the username is refused', async () => {
    const trivial = await refusal(
      base({
        username: 'answer.check',
        securityQuestion: 'In what city were you born?',
        securityAnswer: 'Answer',
      }),
    );
    expect(trivial).toEqual([
      { field: 'securityAnswer', message: expect.stringMatching(/too easy/) },
    ]);
    const own = await refusal(
      base({
        username: 'answer.check',
        securityQuestion: 'In what city were you born?',
        securityAnswer: 'ANSWER.check',
      }),
    );
    expect(own[0]?.field).toBe('securityAnswer');
    const unpaired = await refusal(
      base({ username: 'answer.check', securityAnswer: 'Springfield' }),
    );
    expect(unpaired).toEqual([{ field: 'securityQuestion', message: expect.any(String) }]);
  });

  it('creates a shared login with holders and one owner', async () => {
    await ctx.db.transaction().execute((trx) =>
      createAccount(
        trx,
        ctx,
        base({
          username: 'ward7',
          email: 'ward7@lakeside.example.org',
          name: 'Ward 7',
          shared: true,
          holders: [
            { name: 'Ann Lee', email: 'ann.lee@lakeside.example.org', isOwner: true },
            { name: 'Bo Kim', email: 'bo.kim@lakeside.example.org', phone: '555-0199' },
          ],
        }),
      ),
    );
    const account = await accountNamed('ward7');
    expect(account.shared).toBe(1);
    const holders = await holdersOf(ctx.db, account.id);
    expect(holders.map((h) => [h.name, h.email, h.phone, h.is_owner])).toEqual([
      ['Ann Lee', 'ann.lee@lakeside.example.org', '', 1],
      ['Bo Kim', 'bo.kim@lakeside.example.org', '555-0199', 0],
    ]);
  });

  it('refuses holders on a personal account, two owners, and sharing where the policy forbids it', async () => {
    const holder = { name: 'Ann Lee', email: 'ann.lee@lakeside.example.org', isOwner: true };
    expect(await refusal(base({ username: 'personal', holders: [holder] }))).toEqual([
      { field: 'holders', message: expect.stringMatching(/Only a shared login/) },
    ]);
    const twoOwners = await refusal(
      base({
        username: 'two.owners',
        shared: true,
        holders: [holder, { ...holder, name: 'Other' }],
      }),
    );
    expect(twoOwners).toEqual([
      { field: 'holders', message: expect.stringMatching(/at most one/) },
    ]);
    const strict = await refusal(
      base({ username: 'strict.shared', organizationId: noSharingOrgId, shared: true }),
    );
    expect(strict).toEqual([
      { field: 'shared', message: 'Strict Clinic does not allow shared logins.' },
    ]);
  });

  it('refuses an unknown organization', async () => {
    expect(await refusal(base({ username: 'orphan', organizationId: 'nope' }))).toEqual([
      { field: 'organizationId', message: 'No such organization.' },
    ]);
  });
});
