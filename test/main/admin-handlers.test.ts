import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { startConsoleMain, type ConsoleHarness } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';

// The administrators' IPC operations through main's router, against a real account service:
// If-Match and Idempotency-Key reach the service, and its refusals (412, a named field) reach
// the renderer intact across structured clone.

let svc: TestService;
let org: string;
let h: ConsoleHarness;
let id: string;
let counter = 0;
const REASON = 'Ward manager asked, CHG-9';
const key = () => `key-${randomUUID()}`;

beforeAll(async () => {
  svc = await startTestService();
  org = await seedOrganization(svc.ctx, 'Westside Care', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'ipc.admin', role: 'administrator' });
  h = startConsoleMain({ now: () => svc.clock.now() });
  ({ id } = await h.ok('addConnection', { name: 'Local', url: svc.url, colour: '#0f766e' }));
  await h.ok('signIn', { connectionId: id, username: 'ipc.admin', password: ADMIN_PASSWORD });
});
afterAll(async () => svc?.close());

async function shared(holders: Array<{ name: string; email: string }>) {
  const n = (counter += 1);
  return seedAccount(svc.ctx, {
    organizationId: org,
    username: `ipc${n}.shared`,
    shared: true,
    holders: holders.map((x) => ({ ...x, email: x.email.replace('@', `${n}@`) })),
  });
}

describe('administrators’ operations over IPC', () => {
  it('set holders: one idempotency key acts once; a stale version answers 412 with the account now', async () => {
    const accountId = await shared([{ name: 'Uma Vance', email: 'uma@west.example.org' }]);
    const view = await h.ok('getAccount', { connectionId: id, accountId });
    const input = {
      connectionId: id,
      accountId,
      version: view.version,
      reason: REASON,
      idempotencyKey: key(),
      holders: [{ name: 'Val Wren', email: 'val@west.example.org', phone: '', isOwner: true }],
    };
    const first = await h.ok('setHolders', input);
    const again = await h.ok('setHolders', input);
    expect(again.version).toBe(first.version);
    const stale = await h.call('setHolders', { ...input, idempotencyKey: key() });
    expect(stale).toMatchObject({ ok: false, code: 'precondition_failed' });
    if (!stale.ok) expect(stale.current?.holders.map((x) => x.name)).toEqual(['Val Wren']);
  });

  it('conversion: plan, a clash refused naming the holder’s field, then the conversion with chosen names', async () => {
    const accountId = await shared([
      { name: 'Wes Young', email: 'wes@west.example.org' },
      { name: 'Xia Zane', email: 'xia@west.example.org' },
    ]);
    const plan = await h.ok('conversionPlan', { connectionId: id, accountId });
    const [wes, xia] = plan.holders;
    if (!wes || !xia) throw new Error('two holders expected');
    const checked = await h.ok('checkUsernames', {
      connectionId: id,
      accountId,
      usernames: { [wes.holderId]: 'ipc.admin' },
    });
    expect(checked.items[0]?.problem).toBe('“ipc.admin” is taken by another account.');
    const base = {
      connectionId: id,
      accountId,
      version: plan.version,
      reason: REASON,
      idempotencyKey: key(),
    };
    const clash = await h.call('convertSharedLogin', {
      ...base,
      usernames: { [xia.holderId]: 'ipc.admin' },
    });
    expect(clash).toMatchObject({
      ok: false,
      code: 'conflict',
      field: `usernames.${xia.holderId}`,
    });
    const done = await h.ok('convertSharedLogin', {
      ...base,
      idempotencyKey: key(),
      usernames: { [xia.holderId]: `xia.own${counter}` },
    });
    expect(done.createdAccounts?.map((a) => a.username)).toEqual([
      wes.suggestedUsername,
      `xia.own${counter}`,
    ]);
  });

  it('policy: a bad field is named, a stale ETag answers 412, the fresh one saves', async () => {
    const list = await h.ok('listOrganizations', { connectionId: id });
    const westside = list.items.find((o) => o.id === org);
    if (!westside) throw new Error('organization not listed');
    const edit = (etag: string, policy: Record<string, unknown>) =>
      h.call('editPolicy', { connectionId: id, organizationId: org, etag, policy, reason: REASON });
    const bad = await edit(westside.etag, { ...westside.policy, lockoutThreshold: 0 });
    expect(bad).toMatchObject({
      ok: false,
      code: 'validation_failed',
      field: 'policy.lockoutThreshold',
    });
    const saved = await edit(westside.etag, { ...westside.policy, lockoutThreshold: 4 });
    expect(saved).toMatchObject({ ok: true, value: { policy: { lockoutThreshold: 4 } } });
    const stale = await edit(westside.etag, { ...westside.policy, lockoutThreshold: 3 });
    expect(stale).toMatchObject({ ok: false, code: 'precondition_failed' });
  });

  it('roles: grant helpdesk, refuse administrator (R67), revoke', async () => {
    const accountId = await seedAccount(svc.ctx, { organizationId: org, username: 'ipc.grantee' });
    const view = () => h.ok('getAccount', { connectionId: id, accountId });
    const change = { connectionId: id, accountId, organizationId: org, reason: REASON };
    const opened = await view();
    await h.ok('grantRole', { ...change, version: opened.version, role: 'helpdesk' });
    const granted = await view();
    expect(granted.roles).toEqual([{ role: 'helpdesk', organizationId: org }]);
    expect(
      await h.call('grantRole', { ...change, version: granted.version, role: 'administrator' }),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    // R88: the version seen before the grant is old now: 412 with the account as it is.
    expect(
      await h.call('revokeRole', { ...change, version: opened.version, role: 'helpdesk' }),
    ).toMatchObject({
      ok: false,
      code: 'precondition_failed',
      current: { version: granted.version },
    });
    await h.ok('revokeRole', { ...change, version: granted.version, role: 'helpdesk' });
    expect((await view()).roles).toEqual([]);
  });
});
