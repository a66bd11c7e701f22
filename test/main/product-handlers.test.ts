import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProducts } from '../../service/domain/products.ts';
import { seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { startConsoleMain, type ConsoleHarness } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';

// The Products screen's IPC operations through main's router against a real service (issue
// 14): bad fields are named before anything is sent, If-Match reaches the service, and its
// refusals (412, 403, a named field) reach the renderer intact.

let svc: TestService;
let h: ConsoleHarness;
let superId: string;
let deskId: string;
const REASON = 'CHG-2041: the county adds its CAD system';

beforeAll(async () => {
  svc = await startTestService();
  const org = await seedOrganization(svc.ctx, 'IPC Administrators', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ipc.super', role: 'super_admin' });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ipc.desk', role: 'helpdesk' });
  h = startConsoleMain({ now: () => svc.clock.now() });
  const add = (name: string) => h.ok('addConnection', { name, url: svc.url, colour: '#0f766e' });
  ({ id: superId } = await add('As super'));
  ({ id: deskId } = await add('As helpdesk'));
  await h.ok('signIn', { connectionId: superId, username: 'ipc.super', password: ADMIN_PASSWORD });
  await h.ok('signIn', { connectionId: deskId, username: 'ipc.desk', password: ADMIN_PASSWORD });
});
afterAll(async () => svc?.close());

describe('products over IPC', () => {
  it('issue 14: a bad field is refused in main, naming it, and nothing reaches the service', async () => {
    const refused = await h.call('addProduct', {
      connectionId: superId,
      code: 'lab',
      name: 'Lab',
      url: 'javascript:alert(1)',
      reason: REASON,
    });
    expect(refused).toMatchObject({ ok: false, code: 'bad_input', field: 'url' });
    const noReason = await h.call('addProduct', {
      connectionId: superId,
      code: 'lab',
      name: 'Lab',
      url: 'https://lab.example.org/',
      reason: ' ',
    });
    expect(noReason).toMatchObject({ ok: false, code: 'bad_input', field: 'reason' });
    expect((await listProducts(svc.ctx.db)).map((p) => p.code)).not.toContain('lab');
  });

  it('issue 14: add, then move with the ETag read; an old ETag is refused (412); the helpdesk may list but not change', async () => {
    const added = await h.ok('addProduct', {
      connectionId: superId,
      code: 'lab',
      name: 'Lab',
      url: 'https://lab.example.org/',
      displayOrder: 2,
      reason: REASON,
      ticket: 'CHG-2041',
    });
    expect(added).toMatchObject({ code: 'lab', displayOrder: 2 });
    const seen = await h.ok('listProducts', { connectionId: deskId });
    expect(seen.items.map((p) => p.code)).toEqual(['emresource', 'lab', 'eics', 'emtrack']);

    const move = {
      connectionId: superId,
      code: 'lab',
      etag: added.etag,
      name: 'Lab',
      url: added.url,
      reason: REASON,
    };
    const moved = await h.ok('editProduct', { ...move, displayOrder: 1 });
    expect(moved.displayOrder).toBe(1);
    const stale = await h.call('editProduct', { ...move, displayOrder: 3 });
    expect(stale).toMatchObject({ ok: false, code: 'precondition_failed' });

    const desk = await h.call('editProduct', {
      ...move,
      connectionId: deskId,
      etag: moved.etag,
      displayOrder: 4,
    });
    expect(desk).toMatchObject({ ok: false, code: 'forbidden' });
    expect((await listProducts(svc.ctx.db)).map((p) => p.code)).toEqual([
      'lab',
      'emresource',
      'eics',
      'emtrack',
    ]);
  });
});
