import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportStreamLineSchema, type ImportStreamLine } from '../../common/api/imports.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.ts';
import { mailTo, signedIn, type ConsoleClient } from '../support/console.ts';

// Import from the console (issue 16): the CLI's import (service/import) behind
// POST /api/v1/imports/preview and /api/v1/imports, text/csv in, NDJSON out. Both stores.

const HEADER =
  'username,email,name,phone,organization,products,password,security_question,security_answer,shared,holders';
const REASON = 'Nightly HR export — new hires and corrections';
let fx: ApiFixture;
let admin: ConsoleClient;
let desk: ConsoleClient;
let notYours: string;

beforeAll(async () => {
  fx = await startApiFixture('Import General', 'the Import General helpdesk');
  notYours = await seedOrganization(fx.svc.ctx, 'Not Yours Clinic');
  await seedAdmin(fx.svc.ctx, {
    organizationId: fx.org,
    username: 'imp.admin',
    role: 'administrator',
  });
  await seedAdmin(fx.svc.ctx, { organizationId: fx.org, username: 'imp.desk', role: 'helpdesk' });
  // An administrator like imp.admin: the power rule refuses a row that would update it.
  await seedAdmin(fx.svc.ctx, {
    organizationId: fx.org,
    username: 'imp.peer',
    role: 'administrator',
  });
  admin = await signedIn(fx.svc, 'imp.admin');
  desk = await signedIn(fx.svc, 'imp.desk');
});
afterAll(async () => fx?.close());

const row = (
  username: string,
  o: { email?: string; name?: string; phone?: string; org?: string; products?: string } = {},
) =>
  [
    username,
    o.email ?? `${username}@import.example.org`,
    o.name ?? `Person ${username}`,
    o.phone ?? '',
    o.org ?? 'Import General',
    o.products ?? 'emresource',
    '',
    '',
    '',
    'false',
    '',
  ].join(',');

const file = (...rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';

/** Posts a CSV file; answers the status and every NDJSON line, each checked by the contract. */
async function send(api: ConsoleClient, path: string, csv: string, reason: string | null = REASON) {
  const response = await fetch(new URL(path, fx.svc.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${api.token ?? ''}`,
      'content-type': 'text/csv; charset=utf-8',
      ...(reason === null ? {} : { 'latchkey-reason': encodeURIComponent(reason) }),
    },
    body: csv,
  });
  const text = await response.text();
  if (response.status !== 200)
    return { status: response.status, lines: [], error: JSON.parse(text) as unknown };
  expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const lines = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ImportStreamLineSchema.parse(JSON.parse(l)));
  return { status: response.status, lines, error: undefined };
}

function last<T extends ImportStreamLine['type']>(lines: ImportStreamLine[], type: T) {
  const final = lines.at(-1);
  expect(final?.type, JSON.stringify(final)).toBe(type);
  return final as Extract<ImportStreamLine, { type: T }>;
}

/** Audit events of changes to accounts (mail delivery is recorded in the background: left out). */
async function auditCount(): Promise<number> {
  const row = await fx.svc.ctx.db
    .selectFrom('audit_events')
    .where('type', 'in', ['account_imported', 'account_created', 'admin_action'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function accountCount(): Promise<number> {
  const row = await fx.svc.ctx.db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('import from the console', () => {
  it('the preview counts what each row would do, lists the fields that differ, and writes nothing', async () => {
    const existing = await fx.person('imp.old');
    const before = await accountCount();
    const csv = file(
      row('imp.new1'),
      row('imp.new2', { products: 'emresource;emtrack' }),
      row(existing.username, {
        email: existing.email,
        name: existing.username,
        products: 'emresource;eics;emtrack',
      }),
      row('imp.new3'),
    );
    const { status, lines } = await send(admin, '/api/v1/imports/preview', csv);
    expect(status).toBe(200);
    const preview = last(lines, 'preview');
    expect(preview.counts).toEqual({ create: 3, update: 0, unchanged: 1, error: 0 });
    expect(preview.rowCount).toBe(4);
    expect(preview.rows.map((r) => [r.line, r.action])).toEqual([
      [2, 'create'],
      [3, 'create'],
      [4, 'unchanged'],
      [5, 'create'],
    ]);
    const changed = file(
      row(existing.username, {
        email: existing.email,
        name: 'Corrected Name',
        phone: '+1 555 0142',
        products: 'emresource;eics;emtrack',
      }),
    );
    const second = last((await send(admin, '/api/v1/imports/preview', changed)).lines, 'preview');
    expect(second.counts).toEqual({ create: 0, update: 1, unchanged: 0, error: 0 });
    expect(second.rows[0]).toMatchObject({
      line: 2,
      action: 'update',
      accountId: existing.id,
      changes: [
        { field: 'name', from: existing.username, to: 'Corrected Name' },
        { field: 'phone', from: '', to: '+1 555 0142' },
      ],
    });
    expect(await accountCount()).toBe(before);
  });

  it('imports all rows, then a re-import that changes nothing changes nothing: no write, no audit event', async () => {
    const csv = file(row('imp.hr1'), row('imp.hr2', { phone: '+1 555 0101' }), row('imp.hr3'));
    const first = await send(admin, '/api/v1/imports', csv);
    const result = last(first.lines, 'result');
    expect(result.counts).toEqual({ create: 3, update: 0, unchanged: 0, error: 0 });
    const report = first.lines.flatMap((l) => (l.type === 'report' ? l.rows : []));
    expect(report.map((r) => r.username)).toEqual(['imp.hr1', 'imp.hr2', 'imp.hr3']);
    expect(report.every((r) => typeof r.accountId === 'string')).toBe(true);
    const created = await fx.svc.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'account_imported')
      .where('account_id', '=', report[0]?.accountId ?? '')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(created.detail)).toMatchObject({ reason: REASON, line: 2 });
    const versions = await fx.svc.ctx.db
      .selectFrom('accounts')
      .select(['id', 'version'])
      .orderBy('id')
      .execute();
    const events = await auditCount();
    const again = last((await send(admin, '/api/v1/imports', csv)).lines, 'result');
    expect(again.counts).toEqual({ create: 0, update: 0, unchanged: 3, error: 0 });
    expect(await auditCount()).toBe(events);
    expect(
      await fx.svc.ctx.db.selectFrom('accounts').select(['id', 'version']).orderBy('id').execute(),
    ).toEqual(versions);
  });

  it('a corrected email in the export updates the account, kills its links and tells both addresses', async () => {
    const csv = file(row('imp.mail1', { email: 'imp.mail1@typo.example.org' }));
    last((await send(admin, '/api/v1/imports', csv)).lines, 'result');
    const fixed = file(row('imp.mail1'));
    const result = last((await send(admin, '/api/v1/imports', fixed)).lines, 'result');
    expect(result.counts).toEqual({ create: 0, update: 1, unchanged: 0, error: 0 });
    await mailTo(fx.smtp, 'imp.mail1@typo.example.org', /email address of imp.mail1 was changed/);
    await mailTo(fx.smtp, 'imp.mail1@import.example.org', /This is now the email address/);
    const update = await fx.svc.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'account_imported')
      .where('detail', 'like', '%"update":true%')
      .where('detail', 'like', '%imp.mail1@typo%')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(update.detail)).toMatchObject({
      reason: REASON,
      line: 2,
      changes: [
        { field: 'email', from: 'imp.mail1@typo.example.org', to: 'imp.mail1@import.example.org' },
      ],
    });
  });

  it('an import with bad rows writes nothing and names each by line and column', async () => {
    const before = await accountCount();
    const events = await auditCount();
    const csv = file(
      row('imp.bad.ok1'),
      row('imp.bad.mail', { email: 'not-an-address' }),
      row('imp.bad.ok2'),
      row('imp.bad.product', { products: 'emtrak' }),
      row('imp.bad.org', { org: 'Not Yours Clinic' }),
      row('imp.peer'),
    );
    const { lines } = await send(admin, '/api/v1/imports', csv);
    const failed = last(lines, 'failed');
    expect(failed.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'email'],
      [5, 'products'],
      [6, 'organization'],
      [7, 'username'],
    ]);
    expect(failed.counts).toMatchObject({ create: 2, error: 4 });
    expect(await accountCount()).toBe(before);
    expect(await auditCount()).toBe(events);
  });

  it('R2: a row naming an account outside your organizations is refused in words that describe nothing of it', async () => {
    // A shared login of another organization, with holders: a row that would make it personal
    // (and name other holders) must not learn that it is shared, nor how its holders compare.
    await seedAccount(fx.svc.ctx, {
      organizationId: notYours,
      username: 'elsewhere.desk',
      shared: true,
      holders: [{ name: 'Hidden Holder', email: 'hidden.holder@elsewhere.example.org' }],
    });
    const csv = file(row('elsewhere.desk'));
    const { lines } = await send(admin, '/api/v1/imports/preview', csv);
    const preview = last(lines, 'preview');
    expect(preview.problems).toEqual([
      {
        line: 2,
        column: 'username',
        message:
          'elsewhere.desk holds as much power as yours or more, or is outside the organizations you may import into: ask someone with a higher role.',
      },
    ]);
    const said = JSON.stringify(lines);
    expect(said).not.toMatch(/shared login|holders differ|Hidden Holder|Not Yours Clinic/i);
  });

  it('refuses before reading: no import_accounts (helpdesk), no reason, JSON instead of CSV', async () => {
    const csv = file(row('imp.refused'));
    const desked = await send(desk, '/api/v1/imports/preview', csv);
    expect(desked.status).toBe(403);
    const unexplained = await send(admin, '/api/v1/imports', csv, null);
    expect(unexplained.status).toBe(400);
    expect(unexplained.error).toMatchObject({ error: { field: 'latchkey-reason' } });
    const json = await admin.post('/api/v1/imports', { csv }, { 'latchkey-reason': 'why not' });
    expect(json.status).toBe(400);
  });

  it('streams progress lines while it reads, checks and writes a large file', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(`imp.bulk${i}`));
    const { lines } = await send(admin, '/api/v1/imports/preview', file(...rows));
    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    const preview = last(lines, 'preview');
    expect(preview.counts.create).toBe(3000);
    expect(preview.rows).toHaveLength(1000);
    expect(preview.rowCount).toBe(3000);
  });
});
