import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_CLI } from '../../scripts/service-process.ts';
import { openTestStore } from '../support/store.ts';

const run = promisify(execFile);
/** The peer benchmark's deterministic generator, copied from shared/bench/ldap-peer. */
const GENERATOR = path.resolve(import.meta.dirname, '../../scripts/gen-users.mjs');
let store: Awaited<ReturnType<typeof openTestStore>>;
let env: NodeJS.ProcessEnv;

/** Runs `npm run service -- ARGS` as a user would; answers its exit code and output. */
async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [SERVICE_CLI, ...args], {
      env: { ...env, ...extraEnv },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  store = await openTestStore();
  env = {
    ...process.env,
    DATA_DIR: store.dataDir,
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
  };
  delete env.SMTP_URL;
});
afterAll(async () => store?.close());

describe('npm run service -- …', () => {
  it('demo seeds the documented accounts and is idempotent', async () => {
    const first = await cli(['demo']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('alice');
    const count = async () =>
      Number(
        (
          await store.db
            .selectFrom('accounts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const after = await count();
    expect(await cli(['demo'])).toMatchObject({ code: 0 });
    expect(await count()).toBe(after);
  });

  it('import reports every bad row by line and column and imports nothing', async () => {
    const file = path.join(store.dataDir, 'bad.csv');
    writeFileSync(
      file,
      [
        'username,email,name,phone,organization,products,password,security_question,security_answer,shared,holders',
        'good.one,good@example.org,Good One,,Import Test,emresource,,,,false,',
        'bad@name,bad@example.org,Bad Name,,Import Test,emresource,,,,false,',
        'no.email,not-an-address,No Email,,Import Test,emresource,,,,false,',
        'no.product,np@example.org,No Product,,Import Test,nosuchthing,,,,false,',
      ].join('\n'),
    );
    const result = await cli(['import', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Nothing was imported');
    expect(result.stderr).toMatch(/line 3, username/);
    expect(result.stderr).toMatch(/line 4, email/);
    expect(result.stderr).toMatch(/line 5, products/);
    const imported = await store.db
      .selectFrom('accounts')
      .select('id')
      .where('username_key', '=', 'good.one')
      .execute();
    expect(imported).toHaveLength(0);
  });

  it('import loads the generator’s accounts, all of them', async () => {
    const { stdout } = await run('node', [GENERATOR, '--n', '200', '--format', 'csv']);
    const file = path.join(store.dataDir, 'users.csv');
    writeFileSync(file, stdout);
    const refused = await cli(['import', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/line 2, products: Unknown product/);
    const result = await cli(['import', file, '--create-products']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/Imported: 200 created, 0 updated, 0 unchanged/);
  });

  it('create-admin prints a temporary password once and grants super-administrator', async () => {
    const result = await cli([
      'create-admin',
      '--username',
      'first.admin',
      '--email',
      'first.admin@example.org',
    ]);
    expect(result.code).toBe(0);
    const password = /Temporary password[^:]*: (\S+)/.exec(result.stdout)?.[1] ?? '';
    expect(password).toMatch(/^[2-9A-HJKMNP-Z]{18}$/);
    const grant = await store.db
      .selectFrom('role_grants')
      .innerJoin('accounts', 'accounts.id', 'role_grants.account_id')
      .select(['role_grants.role', 'accounts.must_change_password', 'accounts.password_hash'])
      .where('accounts.username_key', '=', 'first.admin')
      .executeTakeFirstOrThrow();
    expect(grant.role).toBe('super_admin');
    expect(grant.must_change_password).toBe(1);
    expect(grant.password_hash).not.toContain(password);
  });

  it('a bad environment stops it with the variable named', async () => {
    const result = await cli(['demo'], { RESET_LINK_TTL: 'soon' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('RESET_LINK_TTL');
  });

  it('an unknown command shows the usage', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "frobnicate"');
    expect(result.stderr).toContain('create-admin');
  });
});

describe('npm run service -- product … (issue 14)', () => {
  let fresh: Awaited<ReturnType<typeof openTestStore>>;
  let freshEnv: Record<string, string>;
  beforeAll(async () => {
    fresh = await openTestStore();
    freshEnv = {
      DATA_DIR: fresh.dataDir,
      ...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl } : {}),
    };
  });
  afterAll(async () => fresh?.close());
  const inFresh = (args: string[]) => cli(args, freshEnv);

  it('issue 14: with no products, import says how to create them; product add creates them; import then succeeds', async () => {
    const file = path.join(fresh.dataDir, 'people.csv');
    writeFileSync(
      file,
      [
        'username,email,name,phone,organization,products,password,security_question,security_answer,shared,holders',
        'first.person,first@example.org,First Person,,Product Test,EMResource;eICS,,,,false,',
      ].join('\n'),
    );
    const refused = await inFresh(['import', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'line 2, products: Unknown product "emresource", "eics": there are no products yet.',
    );
    expect(refused.stderr).toContain(
      'npm run service -- product add --code CODE --name NAME --url URL',
    );
    expect(refused.stderr).toContain('POST /api/v1/products');

    expect((await inFresh(['product', 'list'])).stdout).toMatch(
      /^No products yet\. Add each product first/,
    );
    const added = await inFresh([
      'product',
      'add',
      '--code',
      'eics',
      '--name',
      'eICS',
      '--url',
      'https://eics.example.org/',
    ]);
    expect(added).toMatchObject({ code: 0, stdout: 'Added eICS (eics), 1 of 1.\n' });
    await inFresh([
      'product',
      'add',
      '--code',
      'EMTrack',
      '--name',
      'EMTrack',
      '--url',
      'https://emtrack.example.org/',
    ]);
    const first = await inFresh([
      'product',
      'add',
      '--code',
      'emresource',
      '--name',
      'EMResource',
      '--url',
      'https://emresource.example.org/',
      '--order',
      '1',
    ]);
    expect(first.stdout).toBe('Added EMResource (emresource), 1 of 3.\n');
    expect((await inFresh(['product', 'list'])).stdout).toBe(
      [
        '1. EMResource (emresource) https://emresource.example.org/',
        '2. eICS (eics) https://eics.example.org/',
        '3. EMTrack (emtrack) https://emtrack.example.org/',
        '',
      ].join('\n'),
    );
    const audit = await fresh.db
      .selectFrom('audit_events')
      .select(['actor', 'detail'])
      .where('type', '=', 'admin_action')
      .execute();
    expect(
      audit.map((a) => [a.actor, JSON.parse(a.detail).product, JSON.parse(a.detail).via]),
    ).toEqual([
      ['system', 'eics', 'cli'],
      ['system', 'emtrack', 'cli'],
      ['system', 'emresource', 'cli'],
    ]);
    expect((await inFresh(['import', file])).stdout).toMatch(
      /Imported: 1 created, 0 updated, 0 unchanged/,
    );
  }, 120_000);

  it('a bad value is refused naming its option, writing nothing; a missing one shows the usage', async () => {
    const bad = await inFresh([
      'product',
      'add',
      '--code',
      'lab',
      '--name',
      'Lab',
      '--url',
      'javascript:alert(1)',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Refused: --url: Enter the product’s web address/);
    const order = await inFresh([
      'product',
      'add',
      '--code',
      'lab',
      '--name',
      'Lab',
      '--url',
      'https://lab.example.org/',
      '--order',
      '9',
    ]);
    expect(order.stderr).toBe('Refused: --order: choose a position from 1 to 4.\n');
    const missing = await inFresh(['product', 'add', '--code', 'lab']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('product add needs --code, --name and --url');
    expect((await inFresh(['product', 'list'])).stdout.split('\n')).toHaveLength(4);
  }, 120_000);
});
