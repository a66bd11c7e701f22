import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../support/store.ts';

const run = promisify(execFile);
/** The peer benchmark's deterministic generator, copied from shared/bench/ldap-peer. */
const GENERATOR = path.resolve(import.meta.dirname, '../../scripts/gen-users.mjs');
let store: Awaited<ReturnType<typeof openTestStore>>;
let env: NodeJS.ProcessEnv;

/** Runs `npm run service -- ARGS` as a user would; answers its exit code and output. */
async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'service/cli.ts', ...args], {
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
    expect(result.stdout).toMatch(/Imported 200 accounts/);
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
