import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, ApiClient, seedAdmin } from '../support/admin.ts';
import { SEEDED_ANSWER } from '../support/console.ts';
import { startConsoleMain, storeText, type ConsoleHarness } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { failureReasonWords } from '../../renderer/ipc/failure-words.ts';

// The console's main process driven over IPC the way the renderer drives it, against a real
// account service: every answer goes through the router, its schemas and structured clone.

let svc: TestService;
let other: TestService;
let org: string;
let alice: string;
let counter = 0;
const REASON = 'Caller locked out, identity checked on the phone';

beforeAll(async () => {
  [svc, other] = await Promise.all([startTestService(), startTestService()]);
  org = await seedOrganization(svc.ctx, 'Demo Health', { adminTotpExempt: true });
  alice = await seedAccount(svc.ctx, { organizationId: org, username: 'alice.smith' });
  await seedAccount(svc.ctx, { organizationId: org, username: 'bob.brown' });
  const otherOrg = await seedOrganization(other.ctx, 'Training', { adminTotpExempt: true });
  await seedAccount(other.ctx, { organizationId: otherOrg, username: 'alice.training' });
  await seedAdmin(other.ctx, {
    organizationId: otherOrg,
    username: 'trainer',
    role: 'administrator',
  });
});
afterAll(async () => Promise.all([svc?.close(), other?.close()]));

async function adminConsole(role: 'administrator' | 'helpdesk' = 'administrator') {
  const username = `${role}${(counter += 1)}`;
  await seedAdmin(svc.ctx, { organizationId: org, username, role });
  const h = startConsoleMain({ now: () => svc.clock.now() });
  const { id } = await h.ok('addConnection', { name: 'Local', url: svc.url, colour: '#0f766e' });
  h.watchTokens(id);
  return { h, id, username };
}

const idempotencyKey = () => `key-${randomUUID()}`;

/** Every secret must be absent from everything the renderer received and from the disk. */
function expectNoSecrets(h: ConsoleHarness, secrets: string[]): void {
  const seen = JSON.stringify([h.answers, h.events]);
  const disk = storeText(h);
  for (const secret of secrets) {
    expect(seen.includes(secret), `IPC carried ${secret.slice(0, 6)}…`).toBe(false);
    expect(disk.includes(secret), `disk holds ${secret.slice(0, 6)}…`).toBe(false);
  }
}

describe('the console over IPC, against a real service', () => {
  it('R113: a full sign-in, search, verify, action and refresh shows the renderer no token or password', async () => {
    const { h, id, username } = await adminConsole();
    const signedIn = await h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
    expect(signedIn).toMatchObject({ state: 'signed_in', admin: { username } });
    expect((await h.ok('listConnections', {}))[0]?.state).toBe('signed_in');

    const [found] = await h.ok('searchAccounts', { connectionIds: [id], q: 'alice' });
    // Soft: a failed search must not stop the walk for secrets below.
    expect.soft(found?.error).toBe(null);
    expect.soft(found?.result?.items.map((a) => a.username)).toContain('alice.smith');

    const view = await h.ok('getAccount', { connectionId: id, accountId: alice });
    const verified = await h.ok('verifyCaller', {
      connectionId: id,
      accountId: alice,
      method: 'answer',
      answer: SEEDED_ANSWER,
    });
    expect(verified.result).toBe('match');
    const done = await h.ok('act', {
      connectionId: id,
      accountId: alice,
      action: 'send-reset-email',
      version: view.version,
      reason: REASON,
      verificationId: verified.verificationId,
      idempotencyKey: idempotencyKey(),
    });
    expect(done.summary).toMatch(/reset/i);

    // The access token expires; the next call refreshes it (a new pair the renderer never sees).
    svc.clock.advance(16 * 60_000);
    await h.ok('getAccount', { connectionId: id, accountId: alice });
    await h.ok('reportActivity', {});
    await h.ok('signOut', { connectionId: id });

    expect(h.tokens.size).toBeGreaterThanOrEqual(4);
    expectNoSecrets(h, [...h.tokens, ADMIN_PASSWORD]);
    expect(JSON.stringify(h.answers)).not.toContain(SEEDED_ANSWER);
  });

  it('a stale action meets 412 and carries the current view to show what changed', async () => {
    const { h, id, username } = await adminConsole();
    await h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
    const view = await h.ok('getAccount', { connectionId: id, accountId: alice });
    const act = (version: number) =>
      h.call('act', {
        connectionId: id,
        accountId: alice,
        action: 'end-sessions',
        version,
        reason: REASON,
        idempotencyKey: idempotencyKey(),
      });
    expect(await act(view.version)).toMatchObject({ ok: true });
    const stale = await act(view.version);
    expect(stale).toMatchObject({ ok: false, code: 'precondition_failed' });
    if (!stale.ok) expect(stale.current?.version).toBeGreaterThan(view.version);
  });

  it('a helpdesk role is refused an administrator’s action, in plain words', async () => {
    const { h, id, username } = await adminConsole('helpdesk');
    await h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
    const view = await h.ok('getAccount', { connectionId: id, accountId: alice });
    const answer = await h.call('act', {
      connectionId: id,
      accountId: alice,
      action: 'clear-security-question',
      version: view.version,
      reason: REASON,
      idempotencyKey: idempotencyKey(),
    });
    expect(answer).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('one search runs on several connections at once and answers for each', async () => {
    const { h, id, username } = await adminConsole();
    const training = (
      await h.ok('addConnection', { name: 'Training', url: other.url, colour: '#1d4ed8' })
    ).id;
    const idle = (await h.ok('addConnection', { name: 'Idle', url: other.url, colour: '#7c3aed' }))
      .id;
    await h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
    await h.ok('signIn', { connectionId: training, username: 'trainer', password: ADMIN_PASSWORD });
    const answers = await h.ok('searchAccounts', {
      connectionIds: [id, training, idle],
      q: 'alice',
    });
    expect(answers.map((a) => a.connectionId)).toEqual([id, training, idle]);
    expect(answers[0]?.result?.items.map((a) => a.username)).toEqual(['alice.smith']);
    expect(answers[1]?.result?.items.map((a) => a.username)).toEqual(['alice.training']);
    expect(answers[2]).toEqual({
      connectionId: idle,
      result: null,
      error: 'signed_out',
      reason: { problem: 'signed_out', name: 'Idle' },
    });
    expect(failureReasonWords({ problem: 'signed_out', name: 'Idle' })).toBe(
      'Sign in to Idle first.',
    );
  });

  it('sign-in with TOTP: the code is asked for next to its field, then accepted', async () => {
    const strict = await seedOrganization(svc.ctx, `Strict ${(counter += 1)}`);
    const username = `strict${counter}`;
    await seedAdmin(svc.ctx, { organizationId: strict, username, role: 'administrator' });
    const api = new ApiClient(svc.url);
    const enrol = await api.post<{ secret: string }>('/api/v1/auth/totp/enrol', {
      username,
      password: ADMIN_PASSWORD,
    });
    await api.post('/api/v1/auth/totp/confirm', {
      username,
      password: ADMIN_PASSWORD,
      totp: totpCodeAt(enrol.body.secret, svc.clock.now()),
    });
    svc.clock.advance(30_000);

    const h = startConsoleMain();
    const { id } = await h.ok('addConnection', { name: 'Local', url: svc.url, colour: '#0f766e' });
    expect(
      await h.call('signIn', { connectionId: id, username, password: ADMIN_PASSWORD }),
    ).toMatchObject({
      ok: false,
      code: 'totp_required',
      field: 'totp',
    });
    const totp = totpCodeAt(enrol.body.secret, svc.clock.now());
    const answer = await h.call('signIn', {
      connectionId: id,
      username,
      password: ADMIN_PASSWORD,
      totp,
    });
    expect(answer).toMatchObject({ ok: true, value: { state: 'signed_in' } });
  });

  it('sign-out ends the session on the service as well', async () => {
    const { h, id, username } = await adminConsole();
    await h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
    const tokens = [...h.tokens];
    await h.ok('signOut', { connectionId: id });
    const api = new ApiClient(svc.url);
    for (const refreshToken of tokens)
      expect((await api.post('/api/v1/auth/refresh', { refreshToken })).status).toBe(401);
  });
});
