import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, ApiClient, seedAdmin } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';

let svc: TestService;
let exemptOrg: string;
let strictOrg: string;
let counter = 0;
const unique = (stem: string) => `${stem}${(counter += 1)}`;

beforeAll(async () => {
  svc = await startTestService();
  exemptOrg = await seedOrganization(svc.ctx, 'Demo Exempt', { adminTotpExempt: true });
  strictOrg = await seedOrganization(svc.ctx, 'Strict General');
});
afterAll(async () => svc?.close());

const client = () => new ApiClient(svc.url);

/** Enrols TOTP for an administrator of the strict organization; answers the secret and codes. */
async function enrolled(username: string) {
  const api = client();
  expect(
    (await api.post('/api/v1/auth/sign-in', { username, password: ADMIN_PASSWORD })).body,
  ).toMatchObject({ error: { code: 'totp_enrollment_required' } });
  const enrol = await api.post<{ otpauthUri: string; secret: string; recoveryCodes: string[] }>(
    '/api/v1/auth/totp/enrol',
    { username, password: ADMIN_PASSWORD },
  );
  expect(enrol.status).toBe(200);
  expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Latchkey:.+\?.*secret=/);
  expect(enrol.body.recoveryCodes).toHaveLength(10);
  const confirm = await api.post('/api/v1/auth/totp/confirm', {
    username,
    password: ADMIN_PASSWORD,
    totp: totpCodeAt(enrol.body.secret, svc.clock.now()),
  });
  expect(confirm.status).toBe(200);
  svc.clock.advance(30_000);
  return enrol.body;
}

describe('admin sign-in', () => {
  it('an organization that exempts the demo signs in with username and password', async () => {
    const username = unique('helper');
    await seedAdmin(svc.ctx, { organizationId: exemptOrg, username, role: 'helpdesk' });
    const api = client();
    await api.signIn(username);
    const me = await api.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      username,
      superAdmin: false,
      grants: [{ role: 'helpdesk', organizationId: exemptOrg }],
    });
  });

  it('TOTP: enrolment, then a wrong code, a right code, and the same code replayed', async () => {
    const username = unique('strict');
    await seedAdmin(svc.ctx, { organizationId: strictOrg, username, role: 'administrator' });
    const { secret } = await enrolled(username);
    const api = client();
    const missing = await api.post('/api/v1/auth/sign-in', { username, password: ADMIN_PASSWORD });
    expect(missing).toMatchObject({
      status: 401,
      body: { error: { code: 'totp_required', field: 'totp' } },
    });
    const wrong = await api.post('/api/v1/auth/sign-in', {
      username,
      password: ADMIN_PASSWORD,
      totp: '000000' === totpCodeAt(secret, svc.clock.now()) ? '111111' : '000000',
    });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'totp_invalid' } } });
    const code = totpCodeAt(secret, svc.clock.now());
    expect(
      (await api.post('/api/v1/auth/sign-in', { username, password: ADMIN_PASSWORD, totp: code }))
        .status,
    ).toBe(200);
    const replay = await api.post('/api/v1/auth/sign-in', {
      username,
      password: ADMIN_PASSWORD,
      totp: code,
    });
    expect(replay).toMatchObject({ status: 401, body: { error: { code: 'totp_invalid' } } });
  });

  it('a recovery code works once in place of the TOTP code', async () => {
    const username = unique('recover');
    await seedAdmin(svc.ctx, { organizationId: strictOrg, username, role: 'administrator' });
    const { recoveryCodes } = await enrolled(username);
    const code = recoveryCodes[0] ?? '';
    expect(
      (
        await client().post('/api/v1/auth/sign-in', {
          username,
          password: ADMIN_PASSWORD,
          totp: code.toLowerCase(),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await client().post('/api/v1/auth/sign-in', {
          username,
          password: ADMIN_PASSWORD,
          totp: code,
        })
      ).status,
    ).toBe(401);
  });

  it('R3: an account without a role, a wrong password and an unknown user get the same refusal', async () => {
    const plain = unique('plain');
    const admin = unique('adm');
    await seedAccount(svc.ctx, {
      organizationId: exemptOrg,
      username: plain,
      password: ADMIN_PASSWORD,
    });
    await seedAdmin(svc.ctx, { organizationId: exemptOrg, username: admin, role: 'administrator' });
    const answers = [
      await client().post('/api/v1/auth/sign-in', { username: plain, password: ADMIN_PASSWORD }),
      await client().post('/api/v1/auth/sign-in', {
        username: admin,
        password: 'not the password at all',
      }),
      await client().post('/api/v1/auth/sign-in', {
        username: 'nobody-at-all',
        password: ADMIN_PASSWORD,
      }),
    ];
    expect(new Set(answers.map((a) => JSON.stringify([a.status, a.body]))).size).toBe(1);
    expect(answers[0]?.body).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('R44: failed admin sign-ins count and lock like any account', async () => {
    const username = unique('guessed');
    await seedAdmin(svc.ctx, { organizationId: exemptOrg, username, role: 'administrator' });
    for (let i = 0; i < 5; i += 1)
      await client().post('/api/v1/auth/sign-in', {
        username,
        password: `wrong password ${i} here`,
      });
    expect(
      (await client().post('/api/v1/auth/sign-in', { username, password: ADMIN_PASSWORD })).status,
    ).toBe(401);
    svc.clock.advance(16 * 60_000);
    expect(
      (await client().post('/api/v1/auth/sign-in', { username, password: ADMIN_PASSWORD })).status,
    ).toBe(200);
  });
});

describe('tokens', () => {
  it('refresh rotates; reusing a spent refresh token revokes the whole family', async () => {
    const username = unique('rotate');
    await seedAdmin(svc.ctx, { organizationId: exemptOrg, username, role: 'helpdesk' });
    const api = client();
    await api.signIn(username);
    const first = { access: api.token, refresh: api.refreshToken };
    const rotated = await api.post<{ accessToken: string; refreshToken: string }>(
      '/api/v1/auth/refresh',
      { refreshToken: first.refresh },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refresh);
    api.token = first.access;
    expect((await api.get('/api/v1/me')).status).toBe(401);
    api.token = rotated.body.accessToken;
    expect((await api.get('/api/v1/me')).status).toBe(200);

    const reuse = await api.post('/api/v1/auth/refresh', { refreshToken: first.refresh });
    expect(reuse).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await api.get('/api/v1/me')).status).toBe(401);
    expect(
      (await api.post('/api/v1/auth/refresh', { refreshToken: rotated.body.refreshToken })).status,
    ).toBe(401);
  });

  it('sign-out revokes the session', async () => {
    const username = unique('leaver');
    await seedAdmin(svc.ctx, { organizationId: exemptOrg, username, role: 'helpdesk' });
    const api = client();
    await api.signIn(username);
    expect(
      (await api.post('/api/v1/auth/sign-out', { refreshToken: api.refreshToken })).status,
    ).toBe(200);
    expect((await api.get('/api/v1/me')).status).toBe(401);
    expect(
      (await api.post('/api/v1/auth/refresh', { refreshToken: api.refreshToken })).status,
    ).toBe(401);
  });

  it('an access token expires after 15 minutes', async () => {
    const username = unique('short');
    await seedAdmin(svc.ctx, { organizationId: exemptOrg, username, role: 'helpdesk' });
    const api = client();
    await api.signIn(username);
    svc.clock.advance(15 * 60_000 + 1000);
    expect((await api.get('/api/v1/me')).body).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('the API surface', () => {
  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    type Operation = {
      parameters: Array<{ name: string }>;
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    const doc = await client().get<{
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    }>('/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/accounts/{id}/actions/{action}');
    const act = doc.body.paths['/api/v1/accounts/{id}/actions/{action}']?.post;
    expect(act?.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'action', 'If-Match', 'Idempotency-Key']),
    );
    // The export is documented as what it sends: CSV, not JSON.
    const csv = doc.body.paths['/api/v1/audit.csv']?.get?.responses['200']?.content;
    expect(Object.keys(csv ?? {})).toEqual(['text/csv']);
  });

  it('every error is JSON {error: {code, message, field?}}', async () => {
    expect(await client().get('/api/v1/me')).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    expect(await client().get('/api/v1/nothing-here')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    const bad = await client().post('/api/v1/auth/sign-in', { username: '', password: 'x' });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed', field: 'username' } },
    });
  });
});
