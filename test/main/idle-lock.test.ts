import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IdleLock } from '../../main/idle-lock.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, ApiClient, seedAdmin } from '../support/admin.ts';
import { startConsoleMain } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { shownFailure } from '../support/shown-failure.ts';

const MINUTE = 60_000;

describe('the idle lock, alone', () => {
  afterEach(() => vi.useRealTimers());

  it('locks after the policy minutes without activity; activity starts the count again', () => {
    vi.useFakeTimers();
    const locked: string[] = [];
    const lock = new IdleLock((id) => locked.push(id));
    lock.arm('a', 5);
    lock.arm('b', 10);
    vi.advanceTimersByTime(4 * MINUTE);
    lock.activity();
    vi.advanceTimersByTime(4 * MINUTE);
    expect(locked).toEqual([]);
    vi.advanceTimersByTime(MINUTE);
    expect(locked).toEqual(['a']);
    vi.advanceTimersByTime(5 * MINUTE);
    expect(locked).toEqual(['a', 'b']);
    vi.advanceTimersByTime(60 * MINUTE);
    expect(locked).toEqual(['a', 'b']);
  });

  it('disarmed connections never lock; lockAll locks the armed ones at once', () => {
    vi.useFakeTimers();
    const locked: string[] = [];
    const lock = new IdleLock((id) => locked.push(id));
    lock.arm('a', 5);
    lock.arm('b', 5);
    lock.disarm('a');
    lock.lockAll();
    expect(locked).toEqual(['b']);
    vi.advanceTimersByTime(60 * MINUTE);
    expect(locked).toEqual(['b']);
  });
});

describe('the idle lock in the console, against a real service', () => {
  let svc: TestService;
  let org: string;
  let account: string;
  beforeAll(async () => {
    svc = await startTestService();
    org = await seedOrganization(svc.ctx, 'Demo Health', {
      adminTotpExempt: true,
      idleLockMinutes: 5,
    });
    account = await seedAccount(svc.ctx, { organizationId: org, username: 'alice.smith' });
    await seedAdmin(svc.ctx, { organizationId: org, username: 'ann', role: 'administrator' });
  });
  afterAll(async () => svc?.close());

  async function signedIn(username = 'ann') {
    const h = startConsoleMain();
    const { id } = await h.ok('addConnection', { name: 'Local', url: svc.url, colour: '#0f766e' });
    return {
      h,
      id,
      signIn: (extra = {}) =>
        h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD, ...extra }),
    };
  }

  it('after the policy time: the access token leaves memory, the renderer hears "locked", calls stop', async () => {
    const { h, id, signIn } = await signedIn();
    const me = await signIn();
    expect(me.admin?.idleLockMinutes).toBe(5);
    h.timers.advance(4 * MINUTE);
    await h.ok('reportActivity', {});
    h.timers.advance(4 * MINUTE);
    expect(h.events).not.toContainEqual({ type: 'locked', connectionId: id });
    h.timers.advance(MINUTE);
    expect(h.events).toContainEqual({ type: 'locked', connectionId: id });
    expect(h.main.vault.heldAccessToken(id)).toBeUndefined();
    expect((await h.ok('listConnections', {}))[0]?.state).toBe('locked');
    const answer = await h.call('getAccount', { connectionId: id, accountId: account });
    expect(answer).toEqual({
      ok: false,
      code: 'unauthorized',
      message: 'locked',
      reason: { problem: 'locked', name: 'Local' },
    });
    expect(await shownFailure(answer)).toBe('Local is locked: enter your password.');
  });

  it('unlock needs the password again: a wrong one keeps it locked, the right one opens it', async () => {
    const { h, id, signIn } = await signedIn();
    await signIn();
    h.main.lockAll();
    expect(
      await h.call('unlock', { connectionId: id, password: 'not the password at all' }),
    ).toMatchObject({
      ok: false,
      code: 'unauthorized',
    });
    expect(h.main.vault.state(id)).toBe('locked');
    expect(await h.ok('unlock', { connectionId: id, password: ADMIN_PASSWORD })).toMatchObject({
      state: 'signed_in',
    });
    expect(await h.call('getAccount', { connectionId: id, accountId: account })).toMatchObject({
      ok: true,
    });
    // Armed again: the next idle period locks again.
    h.timers.advance(5 * MINUTE);
    expect(h.main.vault.state(id)).toBe('locked');
  });

  it('unlock with TOTP required: the password is checked by the service, the kept session renewed', async () => {
    const strict = await seedOrganization(svc.ctx, 'Strict', { idleLockMinutes: 5 });
    await seedAdmin(svc.ctx, {
      organizationId: strict,
      username: 'tess',
      role: 'administrator',
      grantOrganizationId: org,
    });
    const api = new ApiClient(svc.url);
    const { body } = await api.post<{ secret: string }>('/api/v1/auth/totp/enrol', {
      username: 'tess',
      password: ADMIN_PASSWORD,
    });
    await api.post('/api/v1/auth/totp/confirm', {
      username: 'tess',
      password: ADMIN_PASSWORD,
      totp: totpCodeAt(body.secret, svc.clock.now()),
    });
    svc.clock.advance(30_000);
    const { h, id, signIn } = await signedIn('tess');
    await signIn({ totp: totpCodeAt(body.secret, svc.clock.now()) });
    h.timers.advance(5 * MINUTE);
    expect(h.main.vault.state(id)).toBe('locked');
    expect(
      await h.call('unlock', { connectionId: id, password: 'wrong password here' }),
    ).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(await h.ok('unlock', { connectionId: id, password: ADMIN_PASSWORD })).toMatchObject({
      state: 'signed_in',
    });
    expect(await h.call('getAccount', { connectionId: id, accountId: account })).toMatchObject({
      ok: true,
    });
  });

  it('the machine-wide file’s idle time applies when stricter than the policy (5 min), never when laxer', async () => {
    for (const [machineMinutes, locksAfter] of [
      [2, 2],
      [30, 5],
    ] as const) {
      const h = startConsoleMain({ machine: { idleLockMinutes: machineMinutes } });
      const { id } = await h.ok('addConnection', {
        name: 'Local',
        url: svc.url,
        colour: '#0f766e',
      });
      await h.ok('signIn', { connectionId: id, username: 'ann', password: ADMIN_PASSWORD });
      h.timers.advance((locksAfter - 1) * MINUTE);
      expect(h.main.vault.state(id), `file says ${machineMinutes}`).toBe('signed_in');
      h.timers.advance(MINUTE);
      expect(h.main.vault.state(id), `file says ${machineMinutes}`).toBe('locked');
    }
  });

  it('R114: after a restart a kept session is locked until the password is given', async () => {
    const first = await signedIn();
    await first.signIn();
    const restarted = startConsoleMain({ userData: first.h.storeFile.replace(/\/[^/]+$/, '') });
    expect((await restarted.ok('listConnections', {}))[0]?.state).toBe('locked');
    expect(
      await restarted.ok('unlock', { connectionId: first.id, password: ADMIN_PASSWORD }),
    ).toMatchObject({
      state: 'signed_in',
    });
  });
});
