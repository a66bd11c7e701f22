import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICE_CLI } from '../../scripts/service-process.ts';
import { loadConfig } from '../../service/config.ts';
import { openService } from '../../service/server.ts';
import { StartupError } from '../../service/startup-errors.ts';
import { openStore } from '../../service/store/database.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';
import { openTestStore } from '../support/store.ts';

// Issue 18: a service that cannot start says which setting or file is wrong and what to do,
// on stderr, and exits non-zero. Each case runs `service/cli.ts serve` as an operator would.

const isPostgres = () => /^postgres/.test(process.env.DATABASE_URL ?? '');
const WITHOUT_OVERRIDE = [
  '--inh-caps=-dac_override,-dac_read_search',
  '--bounding-set=-dac_override,-dac_read_search',
];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `serve` with `env` over a clean environment (no DATABASE_URL unless given). */
function serve(
  env: Record<string, string>,
  options: { withoutOverride?: boolean } = {},
): Promise<Outcome> {
  const base: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0' };
  delete base.DATABASE_URL;
  delete base.SMTP_URL;
  const command = [process.execPath, SERVICE_CLI, 'serve'];
  // Root may write any file: this runs the service as root without the capability that lets it
  // (util-linux's setpriv), so a read-only file really is read-only to it. (Running it as nobody
  // instead needs every folder above the checkout to be open to nobody, which a clone in
  // `mktemp -d` is not.)
  if (options.withoutOverride) command.unshift('setpriv', ...WITHOUT_OVERRIDE);
  const [file = '', ...args] = command;
  const child = spawn(file, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A service that started after all is stopped, so the test fails on its exit code, not a hang.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-startup-'));
  folders.push(dir);
  return dir;
}

/** A migrated SQLite store in a folder of its own, closed again. */
async function sqliteStore(): Promise<string> {
  const dir = folder();
  const store = await openStore(undefined, dir);
  await migrateToLatest(store);
  await store.close();
  return dir;
}

const stores: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('start-up messages that name the problem', () => {
  it('HOST=999.1.1.1 names HOST and says what an address looks like (was "Invalid URL")', async () => {
    const { code, stderr } = await serve({ HOST: '999.1.1.1', DATA_DIR: folder() });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /HOST: "999\.1\.1\.1" is neither an IP address nor a host name to listen on: use an address of this machine, 127\.0\.0\.1/,
    );
    expect(stderr).not.toMatch(/Invalid URL/);
  }, 90_000);

  it('an IPv6 HOST makes a public URL with brackets, so links and Message-IDs parse', () => {
    expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:8787');
    expect(loadConfig({ HOST: '::' }).publicUrl).toBe('http://[::]:8787');
  });

  it('a HOST that is not an address of this machine names HOST', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const { code, stderr } = await serve({ HOST: '192.0.2.1', DATA_DIR: folder() });
    expect(code).toBe(1);
    expect(stderr).toMatch(/HOST: 192\.0\.2\.1 is not an address of this machine: set HOST to/);
  }, 90_000);

  it('a PORT already in use names PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const { code, stderr } = await serve({ PORT: String(port), DATA_DIR: folder() });
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(`PORT: ${port} on 127\\.0\\.0\\.1 is already in use by another program`),
      );
    } finally {
      taken.close();
    }
  }, 90_000);

  it('an unreachable DATABASE_URL names host and port, never the password', async () => {
    const { code, stderr } = await serve({
      // Port 9 (discard) on loopback: nothing listens there.
      DATABASE_URL: 'postgres://latchkey:s3cret-passw0rd@127.0.0.1:9/latchkey',
      DATA_DIR: folder(),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /DATABASE_URL: PostgreSQL at 127\.0\.0\.1:9, database "latchkey" cannot be reached \(ECONNREFUSED[^)]*\)\. To fix: check that the database server runs/,
    );
    expect(stderr).not.toContain('s3cret-passw0rd');
  }, 90_000);

  it.skipIf(!isPostgres())(
    'a DATABASE_URL naming a database that does not exist says so',
    async () => {
      const url = new URL(process.env.DATABASE_URL ?? '');
      url.pathname = '/no_such_latchkey_db';
      const { code, stderr } = await serve({ DATABASE_URL: url.toString(), DATA_DIR: folder() });
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /DATABASE_URL: PostgreSQL at [^,]+, database "no_such_latchkey_db" refused the connection \(3D000: database "no_such_latchkey_db" does not exist\)\. To fix: check the user, password and database name/,
      );
    },
    90_000,
  );

  it('a DATA_DIR that is a file names DATA_DIR and the path', async () => {
    const file = path.join(folder(), 'not-a-folder');
    writeFileSync(file, 'just a file');
    const { code, stderr } = await serve({ DATA_DIR: file });
    expect(code).not.toBe(0);
    expect(stderr).toContain(`DATA_DIR: ${file} is a file, not a folder: set DATA_DIR to a folder`);
  }, 90_000);

  it('a corrupt SQLite file names the file and says to restore it', async () => {
    const dir = folder();
    const file = path.join(dir, 'latchkey.sqlite');
    writeFileSync(file, 'this was a database once, before a bad copy. '.repeat(200));
    const { code, stderr } = await serve({ DATA_DIR: dir });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `DATA_DIR: the SQLite file ${file} is not a database or is damaged (SQLITE_NOTADB: file is not a database). To fix: restore it from a backup.`,
    );
  }, 90_000);

  it('a read-only SQLite file names the file and what access it needs', async () => {
    const dir = await sqliteStore();
    const file = path.join(dir, 'latchkey.sqlite');
    chmodSync(file, 0o444);
    // The folder stays writable, as a wrong owner after a restore leaves it.
    const asRoot = process.getuid?.() === 0;
    const { code, stderr } = await serve({ DATA_DIR: dir }, { withoutOverride: asRoot });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `DATA_DIR: the SQLite file ${file} is read-only (SQLITE_READONLY: attempt to write a readonly database). To fix: give the service write access`,
    );
  }, 90_000);

  it('a full SQLite file names the file and says to free space (in process: max_page_count)', async () => {
    // The CLI cannot be told to cap its file, so this case opens the service in this process
    // on a new file capped at one page (PRAGMA max_page_count): the first migration fills it.
    const dir = folder();
    const store = await openStore(undefined, dir);
    stores.push(store);
    await sql`pragma max_page_count = 1`.execute(store.db);
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const opening = openService(config, { store });
    await expect(opening).rejects.toBeInstanceOf(StartupError);
    await expect(opening).rejects.toThrow(
      `DATA_DIR: the SQLite file ${path.join(dir, 'latchkey.sqlite')} is full (no room on its disk, or its size limit reached) while migrating (SQLITE_FULL: database or disk is full). To fix: free space on its disk.`,
    );
  });

  it('a database written by a newer Latchkey says so plainly, naming the migration', async () => {
    const store = await openTestStore();
    stores.push(store);
    await sql`insert into kysely_migration (name, timestamp)
      values ('099-from-a-newer-latchkey', ${new Date().toISOString()})`.execute(store.db);
    const { code, stderr } = await serve({
      DATA_DIR: store.dataDir,
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /The database was written by a newer Latchkey: migration 099-from-a-newer-latchkey is unknown to this version \(it knows up to \d{3}-[a-z-]+\)\. Run that newer version, or restore a backup taken before the upgrade\./,
    );
    expect(stderr).not.toMatch(/corrupted migrations/);
  }, 90_000);
});
