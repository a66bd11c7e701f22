import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditHandlers, CsvRecordCounter } from '../../main/audit-handlers.ts';
import type { IpcEvent } from '../../common/ipc/contract.ts';
import type { HandlerContext, HandlerDeps } from '../../main/handler-context.ts';
import { IpcFailure } from '../../common/ipc/ipc-failure.ts';
import { recordAuditBatch } from '../../service/domain/audit.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { startConsoleMain, type ConsoleHarness } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';

// The Audit screen's main-process handlers against a real service: the save dialog, the file
// written, the validation messages the renderer shows next to a field.

let svc: TestService;
let org: string;
let account: string;
let dir: string;

beforeAll(async () => {
  svc = await startTestService();
  org = await seedOrganization(svc.ctx, 'Audit Handlers Clinic', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ah.admin', role: 'administrator' });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ah.help', role: 'helpdesk' });
  account = await seedAccount(svc.ctx, { organizationId: org, username: 'ah.subject' });
  await recordAuditBatch(
    svc.ctx.db,
    svc.clock,
    Array.from({ length: 1_234 }, (_, i) => ({
      type: 'sign_in' as const,
      accountId: account,
      organizationId: org,
      // `action` is written raw into its own column: a literal line break inside quotes.
      detail: { i, action: i % 10 === 0 ? 'line one\r\nline "two", three' : 'plain' },
    })),
  );
  dir = mkdtempSync(path.join(tmpdir(), 'latchkey-audit-handlers-'));
});
afterAll(async () => {
  await svc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A console signed in as `username`, with the audit handlers answering the save dialog with `answer`. */
async function consoleAs(username: string, answer: () => string | null) {
  const h: ConsoleHarness = startConsoleMain();
  const connection = await h.ok('addConnection', {
    name: 'Training Region',
    url: svc.url,
    colour: '#0f766e',
  });
  await h.ok('signIn', { connectionId: connection.id, username, password: ADMIN_PASSWORD });
  const asked: string[] = [];
  const events: IpcEvent[] = [];
  const profile = (id: string) => {
    const found = h.main.connections.get(id);
    if (!found) throw new IpcFailure('not_found', 'There is no such connection.', 'connectionId');
    return found;
  };
  const ctx: HandlerContext = {
    deps: {
      vault: h.main.vault,
      emit: (event: IpcEvent) => events.push(event),
      chooseSavePath: async (name: string) => {
        asked.push(name);
        return answer();
      },
    } as unknown as HandlerDeps,
    profile,
    client: (id) => h.main.clientFor(profile(id)),
  };
  return { h, id: connection.id, asked, events, handlers: createAuditHandlers(ctx) };
}

/** An export's input as the router hands it over: blank filters parsed to undefined. */
const exportOf = (connectionId: string, filters: { account?: string } = {}) => ({
  connectionId,
  actor: undefined,
  account: undefined,
  type: undefined,
  ...filters,
});

describe('audit handlers', () => {
  it('refuses filters the service would misread, naming the field as the form labels it', async () => {
    const { h, id } = await consoleAs('ah.admin', () => null);
    expect(await h.call('queryAudit', { connectionId: id, from: 10_000, to: 5_000 })).toEqual({
      ok: false,
      code: 'bad_input',
      message: 'To: choose a time after From.',
      field: 'to',
    });
    expect(await h.call('exportAuditCsv', { connectionId: id, actor: 'x'.repeat(101) })).toEqual({
      ok: false,
      code: 'bad_input',
      message: 'Actor: at most 100 characters.',
      field: 'actor',
    });
    // Blank filters mean "any": the page is the newest events of the organization.
    const page = await h.ok('queryAudit', { connectionId: id, actor: '  ', account: 'ah.subject' });
    expect(page.items).toHaveLength(200);
    expect(page.items[0]).toMatchObject({
      accountUsername: 'ah.subject',
      organizationName: 'Audit Handlers Clinic',
    });
  });

  it('cancelling the save dialog writes nothing and asks the service nothing', async () => {
    const { id, asked, handlers } = await consoleAs('ah.admin', () => null);
    expect(await handlers.exportAuditCsv(exportOf(id))).toEqual({ cancelled: true });
    expect(asked).toEqual([
      expect.stringMatching(/^latchkey-audit-training-region-\d{8}-\d{4}\.csv$/),
    ]);
  });

  it('streams the export into the chosen file (owner-only), counting records, not lines', async () => {
    const target = path.join(dir, 'subject.csv');
    const { id, handlers, events } = await consoleAs('ah.admin', () => target);
    const result = await handlers.exportAuditCsv(exportOf(id, { account: 'ah.subject' }));
    const text = readFileSync(target, 'utf8');
    // The screen hears how far the export has come: this connection's, part of the whole.
    const progress = events.filter((e) => e.type === 'export-progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p).toMatchObject({ connectionId: id });
      expect(p.events).toBeGreaterThan(0);
      expect(p.events).toBeLessThan(1_234);
      expect(p.bytes).toBeLessThan(Buffer.byteLength(text));
    }
    expect(result).toEqual({
      cancelled: false,
      savedTo: target,
      events: 1_234,
      bytes: Buffer.byteLength(text),
    });
    // Quoted line breaks inside details: more lines than records.
    expect(text.split('\r\n').length - 2).toBeGreaterThan(1_234);
    expect(existsSync(`${target}.part`)).toBe(false);
    if (process.platform !== 'win32') expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('R67: an export the service refuses leaves no file behind and says why', async () => {
    const target = path.join(dir, 'refused.csv');
    const { id, handlers } = await consoleAs('ah.help', () => target);
    const refused = handlers.exportAuditCsv(exportOf(id));
    await expect(refused).rejects.toMatchObject({
      code: 'forbidden',
      message: 'Your role does not allow reading the audit log.',
    });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('a locked connection is refused before the save dialog opens', async () => {
    const { h, id, asked, handlers } = await consoleAs('ah.admin', () => path.join(dir, 'x.csv'));
    h.main.lockAll();
    await expect(handlers.exportAuditCsv(exportOf(id))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(asked).toEqual([]);
  });
});

describe('CsvRecordCounter', () => {
  it('counts records across chunk boundaries, ignoring line breaks and doubled quotes inside quotes', async () => {
    const csv = 'a,b\r\n1,"x\r\ny"\r\n2,"say ""hi"", \nthen"\r\n3,plain\r\n';
    const counter = new CsvRecordCounter();
    const chunks = [...csv].map((c) => Buffer.from(c));
    Readable.from(chunks).pipe(counter).resume();
    await finished(counter);
    expect(counter.records).toBe(4);
    expect(counter.bytes).toBe(Buffer.byteLength(csv));
  });
});
