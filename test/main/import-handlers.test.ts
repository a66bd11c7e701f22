import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcEvent } from '../../common/ipc/contract.ts';
import { usernameKey } from '../../service/domain/accounts.ts';
import { seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { parseCsv } from '../support/csv.ts';
import { newHires, writeImportFile } from '../support/import-files.ts';
import { startConsoleMain } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';

// The Import screen's main-process handlers against a real service on loopback: main's open
// dialog chooses the file, main streams it from disk to the service, pushes progress, keeps the
// whole answer and writes the report; the renderer's answers carry names, counts and a bounded
// summary, never the file.

let svc: TestService;
let dir: string;
const ORG = 'Import Handlers Clinic';

beforeAll(async () => {
  svc = await startTestService();
  const org = await seedOrganization(svc.ctx, ORG, { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ih.admin', role: 'administrator' });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ih.help', role: 'helpdesk' });
  dir = mkdtempSync(path.join(tmpdir(), 'latchkey-import-handlers-'));
}, 60_000);
afterAll(async () => {
  await svc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A console signed in as `username` whose open and save dialogs answer what the test sets. */
async function consoleAs(username: string) {
  const dialogs = {
    open: null as string | null,
    save: null as string | null,
    saveAsked: [] as string[],
  };
  const h = startConsoleMain({
    chooseOpenPath: async () => dialogs.open,
    chooseSavePath: async (name) => {
      dialogs.saveAsked.push(name);
      return dialogs.save;
    },
  });
  const connection = await h.ok('addConnection', {
    name: 'Training Region',
    url: svc.url,
    colour: '#0f766e',
  });
  await h.ok('signIn', { connectionId: connection.id, username, password: ADMIN_PASSWORD });
  return { h, connectionId: connection.id, dialogs };
}

const progressOf = (events: IpcEvent[]) =>
  events.filter(
    (e): e is Extract<IpcEvent, { type: 'import-progress' }> => e.type === 'import-progress',
  );

const accountsNamed = async (prefix: string) =>
  (
    await svc.ctx.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('username_key', 'like', `${prefix}%`)
      .executeTakeFirstOrThrow()
  ).n;

describe('import handlers', () => {
  it('previews 1,000 rows with three bad ones by line and column, then imports the fixed file all at once', async () => {
    const { h, connectionId, dialogs } = await consoleAs('ih.admin');
    const rows = newHires(1_000, ORG, 'ihire');
    const bad = rows.map((r) => ({ ...r }));
    // Lines as a spreadsheet numbers them: the header is line 1, so row i is line i + 2.
    bad[3]!.email = 'ihire000004.clinic.example.org'; // line 5
    bad[199]!.username = 'bad name with spaces'; // line 201
    bad[776]!.products = 'no-such-product'; // line 778
    const file = writeImportFile(path.join(dir, 'new-hires.csv'), bad);

    dialogs.open = file;
    const chosen = await h.ok('chooseImportFile', { connectionId });
    expect(chosen).toEqual({
      cancelled: false,
      importId: expect.any(String),
      name: 'new-hires.csv',
      bytes: statSync(file).size,
    });
    if (chosen.cancelled) throw new Error('unreachable');
    const why = { connectionId, importId: chosen.importId, reason: 'New hires, HR list' };

    const preview = await h.ok('previewImport', why);
    expect(preview.dryRun).toBe(true);
    expect(preview.ok).toBe(false);
    expect(preview.problems.map((p) => [p.line, p.column])).toEqual([
      [5, 'email'],
      [201, 'username'],
      [778, 'products'],
    ]);
    expect(preview.problemCount).toBe(3);
    expect(preview.rowsRead).toBe(1_000);
    // A dry run writes nothing.
    expect(await accountsNamed('ihire')).toBe(0);
    const previewProgress = progressOf(h.events).filter((e) => e.phase === 'preview');
    expect(previewProgress.at(-1)).toMatchObject({
      importId: chosen.importId,
      rows: 1_000,
      totalBytes: statSync(file).size,
    });

    // Fixed in place: the same file, chosen once, is read afresh from disk.
    writeImportFile(file, rows);
    const clean = await h.ok('previewImport', why);
    expect(clean.ok).toBe(true);
    expect(clean.counts).toMatchObject({ create: 1_000, update: 0, unchanged: 0, error: 0 });
    expect(clean.rows[0]).toMatchObject({ line: 2, action: 'create', username: 'ihire000001' });
    expect(await accountsNamed('ihire')).toBe(0);

    const result = await h.ok('runImport', why);
    expect(result).toMatchObject({ dryRun: false, ok: true, rowsRead: 1_000 });
    expect(result.counts).toMatchObject({ create: 1_000, error: 0 });
    expect(await accountsNamed('ihire')).toBe(1_000);
    const imported = await svc.ctx.db
      .selectFrom('accounts')
      .select(['email', 'name'])
      .where('username_key', '=', usernameKey('ihire000004'))
      .executeTakeFirstOrThrow();
    expect(imported).toEqual({ email: 'ihire000004@clinic.example.org', name: 'New Hire 4' });

    // The report: every row of the import, written where the save dialog said.
    dialogs.save = path.join(dir, 'report.csv');
    const saved = await h.ok('saveImportReport', { importId: chosen.importId });
    expect(saved).toEqual({ cancelled: false, savedTo: dialogs.save, lines: 1_000 });
    expect(dialogs.saveAsked[0]).toMatch(/^latchkey-import-report-new-hires-\d{8}-\d{4}\.csv$/);
    const report = parseCsv(readFileSync(dialogs.save, 'utf8'));
    expect(report[0]).toEqual(['line', 'outcome', 'username', 'column', 'from', 'to', 'message']);
    expect(report.slice(1).filter((r) => r[1] === 'create')).toHaveLength(1_000);
    expect(statSync(dialogs.save).mode & 0o777).toBe(0o600);

    // Update-or-create: the same file again changes nothing.
    const again = await h.ok('runImport', why);
    expect(again.counts).toMatchObject({ create: 0, update: 0, unchanged: 1_000 });

    // The file never crossed IPC: no answer holds a row the summary does not list.
    const answers = JSON.stringify(h.answers);
    expect(answers).not.toContain('ihire000999@clinic.example.org');
  }, 120_000);

  it('a changed row is previewed with the fields that differ', async () => {
    const { h, connectionId, dialogs } = await consoleAs('ih.admin');
    const rows = newHires(3, ORG, 'ichg');
    const file = writeImportFile(path.join(dir, 'changes.csv'), rows);
    dialogs.open = file;
    const chosen = await h.ok('chooseImportFile', { connectionId });
    if (chosen.cancelled) throw new Error('unreachable');
    const why = { connectionId, importId: chosen.importId, reason: 'HR nightly export' };
    await h.ok('runImport', why);
    writeImportFile(file, [rows[0]!, { ...rows[1]!, phone: '+1 555 9999' }, rows[2]!]);
    const preview = await h.ok('previewImport', why);
    expect(preview.counts).toMatchObject({ create: 0, update: 1, unchanged: 2 });
    expect(preview.rows).toEqual([
      expect.objectContaining({
        line: 3,
        action: 'update',
        username: 'ichg000002',
        changes: [{ field: 'phone', from: rows[1]!.phone, to: '+1 555 9999' }],
      }),
    ]);
  }, 60_000);

  it('cancelling the open dialog reads nothing; an unknown file id is refused by name', async () => {
    const { h, connectionId, dialogs } = await consoleAs('ih.admin');
    dialogs.open = null;
    expect(await h.ok('chooseImportFile', { connectionId })).toEqual({ cancelled: true });
    expect(
      await h.call('previewImport', { connectionId, importId: 'never-chosen', reason: 'Checking' }),
    ).toMatchObject({ ok: false, code: 'not_found', field: 'importId' });
    expect(await h.call('saveImportReport', { importId: 'never-chosen' })).toMatchObject({
      ok: false,
      field: 'importId',
    });
  });

  it('a helpdesk without import_accounts is refused by the service, nothing written', async () => {
    const { h, connectionId, dialogs } = await consoleAs('ih.help');
    dialogs.open = writeImportFile(path.join(dir, 'helpdesk.csv'), newHires(2, ORG, 'ihelp'));
    const chosen = await h.ok('chooseImportFile', { connectionId });
    if (chosen.cancelled) throw new Error('unreachable');
    const answer = await h.call('previewImport', {
      connectionId,
      importId: chosen.importId,
      reason: 'Trying',
    });
    expect(answer).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await accountsNamed('ihelp')).toBe(0);
  });

  it('a reason too short is named before anything is read', async () => {
    const { h, connectionId } = await consoleAs('ih.admin');
    expect(
      await h.call('previewImport', { connectionId, importId: 'x', reason: 'no' }),
    ).toMatchObject({ ok: false, code: 'bad_input', field: 'reason' });
  });

  it('a token only the service knows has expired: one refresh, and main opens the file again to resend it', async () => {
    const { h, connectionId, dialogs } = await consoleAs('ih.admin');
    dialogs.open = writeImportFile(path.join(dir, 'after-401.csv'), newHires(50, ORG, 'i401'));
    const chosen = await h.ok('chooseImportFile', { connectionId });
    if (chosen.cancelled) throw new Error('unreachable');
    // The console's clock says its access token is fresh; the service's says it expired.
    svc.clock.advance(16 * 60_000);
    const preview = await h.ok('previewImport', {
      connectionId,
      importId: chosen.importId,
      reason: 'After a long lunch',
    });
    expect(preview).toMatchObject({ ok: true, rowsRead: 50 });
    expect(preview.counts.create).toBe(50);
    expect(h.events.filter((e) => e.type === 'session-expired')).toEqual([]);
  });
});
