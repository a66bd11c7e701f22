/**
 * The console import benchmark (issue 16; not a test): 100,000 rows of the shared generator's CSV
 * (`gen-users.mjs --format csv`) through the console's main process — main's open dialog, the
 * file streamed from disk through main's client to the service in its own process, the NDJSON
 * answer read back — first the dry run, then the import. Rows per second through main, beside
 * the CLI's `import` of the same file into a fresh store in the same run (the baseline: the same
 * shared import module without HTTP or main; its figure includes the process's start).
 *
 *   npx tsx scripts/bench-console-import.ts [--n 100000]
 *
 * SQLite in temporary folders, or PostgreSQL when DATABASE_URL names it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { seedOrganization } from '../test/support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../test/support/admin.ts';
import { generatedImport } from '../test/support/import-files.ts';
import type { IpcEvent, IpcInput, IpcOperation, IpcOutput } from '../common/ipc/contract.ts';
import { createApiNetwork } from '../main/api-network.ts';
import { createConsole } from '../main/console.ts';
import { dispatch, type SenderEvent } from '../main/ipc.ts';
import { silentLog } from '../main/log.ts';
import { FakeNetSession } from '../test/main/fake-net.ts';
import { startTestService } from '../test/support/service.ts';
import { openTestStore } from '../test/support/store.ts';
import { startServiceProcess } from './service-process.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const N = arg('n', 100_000);
const log = (line: string) => console.log(line);
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en');

/** electron-store's slice, in memory (electron-store itself needs Electron). */
class MemoryStore {
  private readonly data = new Map<string, unknown>();
  get(key: string): unknown {
    return this.data.get(key);
  }
  set(key: string, value: unknown): void {
    this.data.set(key, structuredClone(value));
  }
}

/**
 * The console's main process without Electron: main's real handlers behind main's real router,
 * Chromium's network stood in for by undici over real sockets (test/main/fake-net.ts).
 */
function consoleMain(file: string) {
  const events: IpcEvent[] = [];
  const main = createConsole({
    store: new MemoryStore(),
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (text) => Buffer.from(text),
      decryptString: (sealed) => sealed.toString(),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    },
    clipboard: {
      readText: async () => '',
      writeText: async () => undefined,
      clear: () => undefined,
    },
    machine: { connections: [], allowUserConnections: true },
    network: createApiNetwork(new FakeNetSession(), {}, { log: silentLog }),
    emit: (event) => events.push(event),
    chooseOpenPath: async () => file,
    timeoutMs: 600_000,
  });
  const event: SenderEvent = {
    sender: { id: 1 },
    senderFrame: { url: 'app://latchkey/index.html', parent: null },
  };
  return {
    events,
    async ok<K extends IpcOperation>(op: K, input: IpcInput<K>): Promise<IpcOutput<K>> {
      const answer = await dispatch(op, main.handlers, () => true, event, input);
      if (!answer.ok) throw new Error(`${op}: ${answer.code}: ${answer.message}`);
      return answer.value;
    },
  };
}

/** The CLI's import of `file` into a fresh store: wall time of the whole process. */
async function cliImport(file: string): Promise<{ ms: number; code: number | null; out: string }> {
  const store = await openTestStore();
  await store.close();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: store.dataDir, LOG_LEVEL: 'warn' };
  if (store.databaseUrl) env.DATABASE_URL = store.databaseUrl;
  else delete env.DATABASE_URL;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'service/cli.ts', 'import', file, '--create-products'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ms = performance.now() - started;
  if (!store.databaseUrl) rmSync(store.dataDir, { recursive: true, force: true });
  return { ms, code, out: out.trim().split('\n')[0] ?? '' };
}

async function main(): Promise<void> {
  const storeName = process.env.DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-import-'));
  const file = path.join(dir, `users-${N}.csv`);
  log(`bench-console-import: ${N.toLocaleString('en')} rows on ${storeName}`);
  const svc = await startTestService();
  const seeded = await generatedImport(svc.ctx, { n: N, out: file });
  const home = await seedOrganization(svc.ctx, 'Bench Office', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, {
    organizationId: home,
    username: 'bench.importer',
    role: 'super_admin',
  });
  const bytes = statSync(file).size;
  log(
    `  file: ${(bytes / 1e6).toFixed(1)} MB, ${seeded.organizations.length} organizations, products ${seeded.products.join(', ')}`,
  );
  // The service in its own process, as deployed; `svc` stays open as the store's owner.
  const service = await startServiceProcess(svc);
  const h = consoleMain(file);
  try {
    const connection = await h.ok('addConnection', {
      name: 'Bench',
      url: service.url,
      colour: '#1d4ed8',
    });
    await h.ok('signIn', {
      connectionId: connection.id,
      username: 'bench.importer',
      password: ADMIN_PASSWORD,
    });
    const chosen = await h.ok('chooseImportFile', { connectionId: connection.id });
    if (chosen.cancelled) throw new Error('the open dialog was cancelled');
    const why = { connectionId: connection.id, importId: chosen.importId, reason: 'Benchmark' };

    let started = performance.now();
    const preview = await h.ok('previewImport', why);
    const previewMs = performance.now() - started;
    if (!preview.ok)
      throw new Error(
        `the preview found problems: ${JSON.stringify(preview.problems.slice(0, 3))}`,
      );
    const events = h.events.filter((e) => e.type === 'import-progress').length;
    log(
      `  console dry run (preview): ${preview.rowsRead.toLocaleString('en')} rows in ${(previewMs / 1000).toFixed(1)} s = ${rate(preview.rowsRead, previewMs)} rows/s through main (${events} progress events)`,
    );

    started = performance.now();
    const result = await h.ok('runImport', why);
    const importMs = performance.now() - started;
    if (!result.ok) throw new Error(`the import failed: ${result.message}`);
    log(
      `  console import:            ${result.rowsRead.toLocaleString('en')} rows in ${(importMs / 1000).toFixed(1)} s = ${rate(result.rowsRead, importMs)} rows/s through main (created ${result.counts.create.toLocaleString('en')})`,
    );
    const summaryBytes = Buffer.byteLength(JSON.stringify(result));
    log(
      `  renderer received: ${(summaryBytes / 1e3).toFixed(0)} kB of summary for a ${(bytes / 1e6).toFixed(1)} MB file`,
    );
  } finally {
    await service.close();
    await svc.close();
  }

  const cli = await cliImport(file);
  log(
    cli.code === 0
      ? `  CLI import (fresh store):  ${N.toLocaleString('en')} rows in ${(cli.ms / 1000).toFixed(1)} s = ${rate(N, cli.ms)} rows/s (process start included) — ${cli.out}`
      : `  CLI import failed (${cli.code}): ${cli.out}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
