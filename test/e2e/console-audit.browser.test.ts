import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordAuditBatch, type AuditEntry } from '../../service/domain/audit.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { withoutAuditGuard } from '../support/audit-tamper.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import {
  openSignedIn,
  record,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import type { ConsoleHarness } from '../support/console-harness.ts';
import { parseCsv } from '../support/csv.ts';

// The Audit screen of issue 5 as an auditor uses it: tens of thousands of events, filters, the
// keyboard, an event's detail, a CSV export through the save dialog, and the chain check.

/** Events seeded on top of what the service writes itself. */
const BULK = 30_000;
const MINUTE = 60_000;
/** A value that a CSV writer must quote: a comma, a quote and a line break. */
const AWKWARD_ACTION = 'note, with "quotes"\nand a second line';
const NORTH_NAME = 'Harbour Clinic, "North"';

let suite: ConsoleSuite;
let h: ConsoleHarness;
let north: string;
let south: string;
let adaId: string;
let start: number;
let saveDir: string;
const northUsers: string[] = [];
const southUsers: string[] = [];

const page = () => h.page;
const list = () => page().getByRole('listbox', { name: 'Audit events' });
const status = () => page().locator('#audit-status');
const detail = () => page().getByRole('region', { name: /^Event #/ });

/** BULK events a minute apart: sign-ins in both organizations, unlocks by ada, one awkward action. */
function bulkEntries(): AuditEntry[] {
  return Array.from({ length: BULK }, (_, i): AuditEntry => {
    const inNorth = i % 2 === 0;
    const users = inNorth ? northUsers : southUsers;
    const accountId = users[i % users.length] ?? null;
    const organizationId = inNorth ? north : south;
    if (i === 778)
      return {
        type: 'admin_action',
        accountId,
        organizationId,
        actor: adaId,
        detail: { action: AWKWARD_ACTION },
      };
    if (i % 100 === 1)
      return {
        type: 'admin_action',
        accountId,
        organizationId,
        actor: adaId,
        detail: { action: 'unlock', reason: `ticket ${i}` },
      };
    return {
      type: 'sign_in',
      accountId,
      organizationId,
      ip: `10.0.${i % 250}.${i % 200}`,
      detail: { i },
    };
  });
}

/** Seeds the bulk events with the service's own chained writer, advancing its clock a minute each. */
async function seedEvents(): Promise<void> {
  const { db } = suite.svc.ctx;
  const entries = bulkEntries();
  start = suite.svc.clock.now();
  // recordAuditBatch stamps one time per batch: batches of one minute's events keep times apart.
  const clock = { now: () => suite.svc.clock.now() };
  for (let i = 0; i < entries.length; i += 1000) {
    const batch = entries.slice(i, i + 1000);
    await db.transaction().execute(async (trx) => {
      for (let j = 0; j < batch.length; j += 100) {
        await recordAuditBatch(trx, clock, batch.slice(j, j + 100));
        suite.svc.clock.advance(MINUTE);
      }
    });
  }
}

const countEvents = async (
  where: (q: ReturnType<typeof eventsTable>) => ReturnType<typeof eventsTable> = (q) => q,
) =>
  Number(
    (
      await where(eventsTable())
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const eventsTable = () => suite.svc.ctx.db.selectFrom('audit_events');

/** `datetime-local` text of a moment, in this machine's time zone (the browser's too). */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Sets the filter form's fields (blank clears one) and applies them. */
async function filter(
  fields: Partial<Record<'Actor' | 'Account' | 'Action' | 'From' | 'To', string>>,
) {
  const form = page().getByRole('form', { name: 'Audit filters' });
  for (const [label, value] of Object.entries(fields))
    await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByRole('button', { name: 'Apply filters' }).click();
}

/** The events the status line says are loaded, and whether that is all of them. */
async function loaded(): Promise<{ count: number; all: boolean }> {
  const text = await status().innerText();
  const match = /^(All )?([\d,]+) (?:matching )?events?(?: loaded|,)/.exec(text);
  if (/^No event matches/.test(text)) return { count: 0, all: true };
  return { count: Number(match?.[2]?.replace(/,/g, '') ?? -1), all: !!match?.[1] };
}

/** Waits for the list to settle after new filters, then scrolls to its end until all are loaded. */
async function loadAll(): Promise<number> {
  await expect.poll(() => list().getAttribute('aria-busy')).toBe('false');
  for (;;) {
    const now = await loaded();
    if (now.all) return now.count;
    await list().evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect.poll(async () => (await loaded()).count).toBeGreaterThan(now.count);
  }
}

/** The text of the rows the list has rendered. */
const renderedRows = () => list().getByRole('option').allInnerTexts();

describeBrowser('console: the Audit screen', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    const home = await seedOrganization(suite.svc.ctx, 'Latchkey Administrators', {
      adminTotpExempt: true,
    });
    north = await seedOrganization(suite.svc.ctx, NORTH_NAME, { adminTotpExempt: true });
    south = await seedOrganization(suite.svc.ctx, 'Valley Clinic', { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: home,
      username: 'sue.super',
      role: 'super_admin',
    });
    adaId = await seedAdmin(suite.svc.ctx, {
      organizationId: north,
      username: 'ada.admin',
      role: 'administrator',
    });
    for (let i = 0; i < 12; i += 1) {
      northUsers.push(
        await seedAccount(suite.svc.ctx, { organizationId: north, username: `harbour${i}` }),
      );
      southUsers.push(
        await seedAccount(suite.svc.ctx, { organizationId: south, username: `valley${i}` }),
      );
    }
    await seedEvents();
    saveDir = mkdtempSync(path.join(tmpdir(), 'latchkey-audit-export-'));
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'sue.super' });
    await page()
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Audit' })
      .click();
    await page()
      .getByRole('heading', { name: /^Audit/ })
      .waitFor();
  }, 240_000);
  afterAll(async () => {
    await suite?.close();
    if (saveDir) rmSync(saveDir, { recursive: true, force: true });
  });

  it('scrolls through tens of thousands of events, rendering only the rows in view', async () => {
    await expect.poll(() => status().innerText()).toMatch(/events loaded, newest first/);
    await record(page(), 'console-audit');
    const total = await countEvents();
    expect(total).toBeGreaterThan(BULK);
    // Scroll to the end of what is loaded, again and again: pages follow as the list nears its end.
    while ((await loaded()).count < 2_000) {
      const before = (await loaded()).count;
      await list().evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await expect.poll(async () => (await loaded()).count).toBeGreaterThan(before);
    }
    // However many are loaded, the list holds a screenful of rows, not thousands.
    expect((await renderedRows()).length).toBeLessThan(60);
    const setSize = await list().getByRole('option').first().getAttribute('aria-setsize');
    expect(Number(setSize)).toBeGreaterThanOrEqual(2_000);
  });

  it('the keyboard moves through the events and Enter opens one with every field', async () => {
    await list().focus();
    await page().keyboard.press('Home');
    await page().keyboard.press('ArrowDown');
    await page().keyboard.press('ArrowDown');
    await page().keyboard.press('Enter');
    await detail().waitFor();
    const newest = await eventsTable().selectAll().orderBy('seq', 'desc').limit(3).execute();
    const third = newest[2];
    if (!third) throw new Error('no events');
    expect(await detail().getByRole('heading', { level: 3 }).innerText()).toMatch(
      new RegExp(`^Event #${third.seq}:`),
    );
    const text = await detail().innerText();
    expect(text).toContain(third.id);
    expect(text).toContain(third.hash);
    expect(await list().getAttribute('aria-activedescendant')).toBe('audit-event-2');
    await record(page(), 'console-audit-detail');
    await detail().getByRole('button', { name: 'Close' }).click();
    await detail().waitFor({ state: 'detached' });
  });

  it('filters by account, actor and action, organization and time; each answer matches the log', async () => {
    const harbour3 = northUsers[3] ?? '';
    await filter({ Account: 'harbour3' });
    const forAccount = await loadAll();
    expect(forAccount).toBe(await countEvents((q) => q.where('account_id', '=', harbour3)));
    expect((await renderedRows()).every((r) => r.includes('harbour3'))).toBe(true);

    await filter({ Account: '', Actor: 'ada.admin', Action: 'unlock' });
    const unlocks = await loadAll();
    expect(unlocks).toBe(
      await countEvents((q) =>
        q.where('actor', '=', adaId).where('detail', 'like', '%"action":"unlock"%'),
      ),
    );
    expect(unlocks).toBeGreaterThan(250);
    // The row opened by a click shows the unlock in words, and in its JSON behind "Show raw".
    await list().getByRole('option').first().click();
    await expect.poll(() => detail().innerText()).toMatch(/Action\s+unlocked the account/);
    await detail().getByText('Show raw').click();
    await expect.poll(() => detail().locator('pre').innerText()).toContain('"action": "unlock"');
    await record(page(), 'console-audit-filtered');

    await filter({ Actor: '', Action: '' });
    await page()
      .getByLabel('Organization', { exact: true })
      .selectOption({ label: 'Valley Clinic' });
    await page().getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => list().getAttribute('aria-busy')).toBe('false');
    expect((await renderedRows()).every((r) => r.includes('Valley Clinic'))).toBe(true);

    // Ten minutes of the seeded log: 100 events a minute (the clock moved a minute per 100).
    const from = start + 100 * MINUTE;
    await page()
      .getByLabel('Organization', { exact: true })
      .selectOption({ label: 'Every organization' });
    await filter({ From: localInput(from), To: localInput(from + 10 * MINUTE) });
    const windowed = await loadAll();
    const fromMinute = Math.floor(from / MINUTE) * MINUTE;
    expect(windowed).toBe(
      await countEvents((q) =>
        q.where('at', '>=', fromMinute).where('at', '<', fromMinute + 10 * MINUTE),
      ),
    );
    expect(windowed).toBe(1_000);
  });

  it('a time window that ends before it starts is refused next to the field', async () => {
    await filter({ From: localInput(start + 20 * MINUTE), To: localInput(start) });
    const alert = page().getByRole('alert');
    await expect.poll(() => alert.innerText()).toContain('To: choose a time after From.');
    expect(await page().getByLabel('To', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );
    await page().getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => status().innerText()).toMatch(/events loaded, newest first/);
  });

  it('exports every event through the save dialog as a valid CSV; a value with a comma, quote and line break round-trips', async () => {
    // Cancelling the dialog saves nothing.
    h.saveDialog.answer = null;
    await page().getByRole('button', { name: 'Export CSV…' }).click();
    await expect.poll(() => page().getByText('Export cancelled').count()).toBe(1);

    const target = path.join(saveDir, 'audit export.csv');
    h.saveDialog.answer = target;
    // Every progress line the screen shows while the export runs, however briefly.
    await page().evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const line = document.querySelector('.audit-tool .progress')?.textContent ?? '';
        if (line && seen.at(-1) !== line) seen.push(line);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page().getByRole('button', { name: 'Export CSV…' }).click();
    const result = page().locator('.audit-result.audit-ok').first();
    await expect
      .poll(() => result.innerText(), { timeout: 60_000 })
      .toMatch(/^Saved [\d,]+ events to/);
    const shown = await page().evaluate(
      () => (window as unknown as { progressSeen: string[] }).progressSeen,
    );
    expect(shown, 'the export said how far it had come').toContainEqual(
      expect.stringMatching(/^Exporting: [\d,]+ events \(\d+ (kB|MB)\) saved so far…$/),
    );
    expect(h.saveDialog.asked.at(-1)).toMatch(/^latchkey-audit-production-\d{8}-\d{4}\.csv$/);
    expect(existsSync(`${target}.part`)).toBe(false);
    await record(page(), 'console-audit-export');

    const text = readFileSync(target, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header = [], ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual([
      'seq',
      'time',
      'type',
      'action',
      'actor',
      'actor_username',
      'account_id',
      'account_username',
      'organization_id',
      'organization',
      'ip',
      'detail',
      'prev_hash',
      'hash',
    ]);
    for (const row of rows) expect(row).toHaveLength(header.length);
    // Every event of the log, once each (a super-administrator's export, no filter).
    const seqs = (await eventsTable().select('seq').orderBy('seq', 'desc').execute()).map((r) =>
      String(r.seq),
    );
    const exported = rows.map((r) => r[0]);
    expect(exported.length).toBe(seqs.length);
    expect(exported).toEqual(seqs.slice(seqs.length - exported.length));
    expect(await result.innerText()).toContain(
      `Saved ${rows.length.toLocaleString('en-US')} events to ${target}`,
    );
    const awkward = rows.find((r) => r[3] === AWKWARD_ACTION);
    expect(awkward?.[9]).toBe(NORTH_NAME);
    expect(awkward?.[5]).toBe('ada.admin');
  });

  it('R67: an organization’s administrator sees only its events, and the chain check without the log’s length', async () => {
    const ada = await suite.console();
    await openSignedIn(ada, suite.url, { username: 'ada.admin' });
    await ada.page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Audit' })
      .click();
    const adaList = ada.page.getByRole('listbox', { name: 'Audit events' });
    await expect.poll(() => adaList.getAttribute('aria-busy')).toBe('false');
    const rows = await adaList.getByRole('option').allInnerTexts();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.some((r) => r.includes('Valley Clinic') || r.includes('valley'))).toBe(false);
    const options = await ada.page
      .getByLabel('Organization', { exact: true })
      .locator('option')
      .allInnerTexts();
    expect(options).toEqual(['All my organizations', NORTH_NAME]);
    await ada.page.getByRole('button', { name: 'Check chain' }).click();
    const ok = ada.page.getByRole('status').filter({ hasText: 'Chain intact' });
    await expect.poll(() => ok.count(), { timeout: 60_000 }).toBe(1);
    expect(await ok.innerText()).toMatch(
      /^✓ Chain intact across every organization; only super-administrators see its length \(checked at /,
    );
    await record(ada.page, 'console-audit-organization-admin');
  });

  it('R78: Check chain reports the chain intact with its length, then the edited event when a row is tampered with', async () => {
    await page().getByRole('button', { name: 'Check chain' }).click();
    const ok = page().getByRole('status').filter({ hasText: 'Chain intact' });
    await expect.poll(() => ok.count(), { timeout: 60_000 }).toBe(1);
    const events = await countEvents();
    expect(await ok.innerText()).toContain(
      `Chain intact: ${events.toLocaleString('en-US')} events`,
    );
    await record(page(), 'console-audit-chain-ok');

    const victim = await eventsTable()
      .select(['id', 'seq'])
      .where('account_id', '=', southUsers[5] ?? '')
      .orderBy('seq', 'asc')
      .offset(40)
      .limit(1)
      .executeTakeFirstOrThrow();
    await withoutAuditGuard(suite.svc.ctx.db, () =>
      suite.svc.ctx.db
        .updateTable('audit_events')
        .set({ ip: '203.0.113.66' })
        .where('id', '=', victim.id)
        .execute(),
    );
    await page().getByRole('button', { name: 'Check chain' }).click();
    const broken = page().getByRole('alert').filter({ hasText: 'Chain broken' });
    await expect.poll(() => broken.count(), { timeout: 60_000 }).toBe(1);
    expect(await broken.innerText()).toContain(`Chain broken at event #${victim.seq}`);
    expect(await broken.innerText()).toContain(`event ${victim.seq} was altered`);
    await record(page(), 'console-audit-chain-broken');
  });
});
