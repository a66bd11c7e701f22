/**
 * Import throughput (issue 16): the N accounts of scripts/gen-users.mjs (the peer's generator,
 * `--format csv`, same seed) imported into an empty store twice, each on a fresh store of its
 * own with the file's organizations and products already there:
 *   CLI  the import as `service/cli.ts import FILE` runs it (service/import, in process);
 *   API  `POST /api/v1/imports` over HTTP on loopback, the file streamed from disk as the
 *        console's main process sends it, the NDJSON answer read to its result line.
 * Rows per second of each and the ratio API/CLI, measured in the same run. SQLite, or
 * PostgreSQL when DATABASE_URL names one.
 *
 *   npx tsx scripts/bench-import.ts [--n 100000]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ImportStreamLineSchema, REASON_HEADER } from '../common/api/imports.ts';
import { ManualClock } from '../service/clock.ts';
import { loadConfig } from '../service/config.ts';
import { parseCsv } from '../service/import/csv-parser.ts';
import { createProducts, ensureOrganizations } from '../service/import/import-references.ts';
import { importCsv } from '../service/import/import-csv.ts';
import { startService, type RunningService } from '../service/server.ts';
import { seedOrganization } from '../test/support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../test/support/admin.ts';
import { storeUnderTest } from './bench-oidc/stores.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' } } });
const N = Number(values.n);
const log = (message: string) => process.stderr.write(`${message}\n`);

/** The file's organizations and product codes, created before the clock starts. */
function references(text: string) {
  const organizations = new Set<string>();
  const products = new Set<string>();
  let header = true;
  for (const item of parseCsv(text)) {
    if (header || item.kind !== 'record') {
      header = false;
      continue;
    }
    organizations.add(item.fields[4] ?? '');
    for (const code of (item.fields[5] ?? '').split(';'))
      if (code) products.add(code.toLowerCase());
  }
  return { organizations: [...organizations], products: [...products] };
}

async function withService<T>(text: string, body: (service: RunningService) => Promise<T>) {
  const target = storeUnderTest();
  const { store, dataDir } = await target.open();
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const service = await startService(config, {
      store,
      clock: new ManualClock(Date.now()),
      mailPollMs: 1000,
    });
    try {
      const refs = references(text);
      await service.ctx.db.transaction().execute(async (trx) => {
        await ensureOrganizations(trx, service.ctx.clock, refs.organizations);
        await createProducts(
          trx,
          refs.products.map((code) => ({ code, name: code })),
        );
      });
      const org = await seedOrganization(service.ctx, 'Bench Administration', {
        adminTotpExempt: true,
      });
      await seedAdmin(service.ctx, {
        organizationId: org,
        username: 'bench.super',
        role: 'super_admin',
      });
      return { name: target.name, value: await body(service) };
    } finally {
      await service.close();
    }
  } finally {
    await target.discard(store, dataDir);
  }
}

async function cliImport(text: string): Promise<number> {
  return (
    await withService(text, async (service) => {
      const started = performance.now();
      const result = await importCsv(service.ctx, text, {});
      const ms = performance.now() - started;
      if (!result.ok || result.counts.create !== N)
        throw new Error(`CLI import: ${JSON.stringify(result).slice(0, 500)}`);
      return ms;
    })
  ).value;
}

async function apiImport(
  text: string,
  file: string,
): Promise<{ ms: number; progress: number; store: string }> {
  const { name, value } = await withService(text, async (service) => {
    const signIn = await fetch(new URL('/api/v1/auth/sign-in', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench.super', password: ADMIN_PASSWORD }),
    });
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    const started = performance.now();
    const response = await fetch(new URL('/api/v1/imports', service.url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'text/csv',
        'content-length': String(statSync(file).size),
        [REASON_HEADER]: encodeURIComponent('import benchmark'),
      },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const text = await response.text();
    const ms = performance.now() - started;
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => ImportStreamLineSchema.parse(JSON.parse(l)));
    const last = lines.at(-1);
    if (last?.type !== 'result' || last.counts.create !== N)
      throw new Error(`API import: ${JSON.stringify(last).slice(0, 500)}`);
    return { ms, progress: lines.filter((l) => l.type === 'progress').length };
  });
  return { ...value, store: name };
}

const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-import-'));
try {
  const file = path.join(dir, 'users.csv');
  execFileSync(process.execPath, [
    'scripts/gen-users.mjs',
    '--n',
    String(N),
    '--format',
    'csv',
    '--out',
    file,
  ]);
  const text = readFileSync(file, 'utf8');
  log(`import benchmark: ${N} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  log('CLI import…');
  const cli = await cliImport(text);
  log('API import…');
  const api = await apiImport(text, file);
  const rate = (ms: number) => N / (ms / 1000);
  const width = 34;
  console.log(
    `Latchkey import benchmark: ${N} new accounts, ${api.store}, Node ${process.version}`,
  );
  console.log(
    `${'CLI import, rows per second'.padEnd(width)}${rate(cli).toFixed(0).padStart(10)}  (${(cli / 1000).toFixed(1)} s)`,
  );
  console.log(
    `${'API import, rows per second'.padEnd(width)}${rate(api.ms).toFixed(0).padStart(10)}  (${(api.ms / 1000).toFixed(1)} s, ${api.progress} progress lines)`,
  );
  console.log(
    `${'API / CLI, rows per second'.padEnd(width)}${(rate(api.ms) / rate(cli)).toFixed(2).padStart(10)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
