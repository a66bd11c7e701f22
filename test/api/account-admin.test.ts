import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountChangeResult } from '../../common/api/account-admin.ts';
import type { AccountView } from '../../common/api/account-view.ts';
import type { UsernameCheckAnswer } from '../../common/api/account-admin.ts';
import { DEFAULT_HELPDESK_PERMISSIONS } from '../../service/domain/policy.ts';
import { seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.ts';
import {
  act,
  auditOf,
  logIn,
  mailTo,
  mailsTo,
  ok,
  openAccount,
  refused,
  resetLinkIn,
  signedIn,
  versionOf,
  type Answer,
  type ConsoleClient,
} from '../support/console.ts';
import { WebClient } from '../support/service.ts';

// Account administration from the console (issue 16): create with an invitation, identity,
// products and organization, each within the administrator's organizations and the power rule,
// under If-Match, with a reason, audited with before and after. Both stores (DATABASE_URL).

const NEW_PASSWORD = 'quartz meadow hums softly';
const WHY = { reason: 'New hire starting Monday', ticket: 'HR-77' };
let fx: ApiFixture;
let other: string;
let admin: ConsoleClient;
let desk: ConsoleClient;
let outsider: ConsoleClient;

beforeAll(async () => {
  fx = await startApiFixture('Bay General', 'the Bay General helpdesk, ext. 4100');
  const { svc, org } = fx;
  // The helpdesk of Bay General may edit identity, not create (nor import).
  await svc.ctx.db
    .updateTable('organizations')
    .set({
      policy: JSON.stringify({
        ...JSON.parse(
          (
            await svc.ctx.db
              .selectFrom('organizations')
              .select('policy')
              .where('id', '=', org)
              .executeTakeFirstOrThrow()
          ).policy,
        ),
        helpdeskPermissions: [...DEFAULT_HELPDESK_PERMISSIONS, 'edit_identity'],
      }),
    })
    .where('id', '=', org)
    .execute();
  other = await seedOrganization(svc.ctx, 'Hill Clinic', { adminTotpExempt: true });
  const adminId = await seedAdmin(svc.ctx, {
    organizationId: org,
    username: 'aa.admin',
    role: 'administrator',
  });
  // aa.admin manages Hill Clinic too (a second grant), so it can move accounts there.
  await svc.ctx.db
    .insertInto('role_grants')
    .values({
      id: `g-${adminId}`,
      account_id: adminId,
      role: 'administrator',
      organization_id: other,
      created_at: svc.clock.now(),
    })
    .execute();
  await seedAdmin(svc.ctx, { organizationId: org, username: 'aa.desk', role: 'helpdesk' });
  await seedAdmin(svc.ctx, {
    organizationId: other,
    username: 'aa.outsider',
    role: 'administrator',
  });
  admin = await signedIn(svc, 'aa.admin');
  desk = await signedIn(svc, 'aa.desk');
  outsider = await signedIn(svc, 'aa.outsider');
});
afterAll(async () => fx?.close());

let n = 0;
const newHire = (o: Record<string, unknown> = {}) => {
  n += 1;
  return {
    username: `new.hire${n}`,
    email: `new.hire${n}@bay.example.org`,
    name: `New Hire ${n}`,
    phone: '+1 555 0100',
    organizationId: fx.org,
    products: ['emresource', 'EMTrack'],
    ...WHY,
    ...o,
  };
};

const create = (api: ConsoleClient, body: unknown) =>
  api.post<AccountView>('/api/v1/accounts', body) as Promise<Answer<AccountView>>;

const patch = (api: ConsoleClient, id: string, body: unknown, etag?: string) =>
  api.request<AccountChangeResult>(
    'PATCH',
    `/api/v1/accounts/${id}`,
    body,
    etag ? { 'if-match': etag } : {},
  ) as Promise<Answer<AccountChangeResult>>;

const put = (api: ConsoleClient, path: string, body: unknown, etag?: string) =>
  api.request<AccountChangeResult>('PUT', path, body, etag ? { 'if-match': etag } : {}) as Promise<
    Answer<AccountChangeResult>
  >;

describe('create an account', () => {
  it('answers 201 with the view and its ETag; the invitation leads to Set Up Password and Log In; audited with every field', async () => {
    const hire = newHire();
    const response = await create(admin, hire);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const view = response.body;
    expect(response.headers.get('etag')).toBe(`"v${view.version}"`);
    expect(view).toMatchObject({ username: hire.username, email: hire.email, name: hire.name });
    expect(view.products.map((p) => p.code).sort()).toEqual(['emresource', 'emtrack']);
    expect(view.organization.id).toBe(fx.org);
    const mail = await mailTo(fx.smtp, hire.email, /^Your account/);
    expect(mail.text).toContain(hire.username);
    const browser = new WebClient(fx.svc.url);
    expect((await browser.get(resetLinkIn(mail))).location).toBe('/reset/password');
    const done = await browser.post('/reset/password', {
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(done.location).toBe('/reset/done');
    expect((await logIn(fx.svc, hire.username, NEW_PASSWORD)).location).toBe('/security-question');
    const [event] = (await auditOf(fx.svc, view.id, 'admin_action')).map((e) => e.detail);
    expect(event).toMatchObject({
      action: 'create-account',
      reason: WHY.reason,
      ticket: WHY.ticket,
      changes: expect.arrayContaining([
        { field: 'username', from: null, to: hire.username },
        { field: 'email', from: null, to: hire.email },
        { field: 'products', from: null, to: 'emresource, emtrack' },
      ]),
    });
  });

  it('checks the username as typed: its shape and clashes, naming the field', async () => {
    const taken = newHire();
    expect((await create(admin, taken)).status).toBe(201);
    const clash = await create(admin, newHire({ username: taken.username.toUpperCase() }));
    refused(clash, 409, 'conflict');
    expect(clash.body.error?.field).toBe('username');
    const shape = await create(admin, newHire({ username: 'has@sign' }));
    refused(shape, 400, 'validation_failed');
    expect(shape.body.error?.field).toBe('username');
    const check = (username: string) =>
      admin.post<UsernameCheckAnswer>('/api/v1/accounts/username-check', { username });
    expect((await check('free.name')).body).toEqual({ username: 'free.name', problem: null });
    expect((await check(taken.username)).body.problem).toMatch(/taken/);
    expect((await check('x')).body.problem).toMatch(/2 to 64/);
    // No password is ever typed by the administrator (R59, R68: strict body).
    const password = await create(admin, newHire({ password: 'chosen by admin 123' }));
    refused(password, 400, 'validation_failed');
    expect(password.body.error?.field).toBe('password');
  });

  it('only in an organization the administrator manages, and only with create_accounts', async () => {
    const elsewhere = await create(outsider, newHire());
    refused(elsewhere, 400, 'validation_failed');
    expect(elsewhere.body.error?.field).toBe('organizationId');
    refused(await create(desk, newHire()), 403, 'forbidden');
  });
});

describe('edit identity', () => {
  it('needs If-Match (428) and refuses a stale one (412 with the account now)', async () => {
    const p = await fx.person('edit.cc');
    refused(await patch(admin, p.id, { phone: '1', ...WHY }), 428, 'precondition_required');
    const stale = await patch(admin, p.id, { phone: '1', ...WHY }, '"v0"');
    refused(stale, 412, 'precondition_failed');
    expect(stale.body.current?.id).toBe(p.id);
  });

  it('R15: a new email kills outstanding links and tells the old address (how to report it) and the new one; audited before/after', async () => {
    const p = await fx.person('edit.mail');
    const { etag } = await openAccount(admin, p.id);
    // An outstanding reset link, sent to the old address.
    const sent = await act(admin, p.id, 'send-reset-email', { etag });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const resetMail = await mailTo(fx.smtp, p.email, /reset/i);
    const fixed = `fixed.${p.username}@bay.example.org`;
    const now = await openAccount(admin, p.id);
    const result = ok(await patch(admin, p.id, { email: fixed, ...WHY }, now.etag));
    expect(result.changes).toEqual([{ field: 'email', from: p.email, to: fixed }]);
    const old = await mailTo(fx.smtp, p.email, /email address of .* was changed/);
    expect(old.text).toContain(fixed);
    expect(old.text).toMatch(/not you.*report it to the Bay General helpdesk/s);
    await mailTo(fx.smtp, fixed, /This is now the email address/);
    const browser = new WebClient(fx.svc.url);
    expect((await browser.get(resetLinkIn(resetMail))).location).not.toBe('/reset/password');
    const view = (await openAccount(admin, p.id)).view;
    expect(view.resetLinks.every((l) => l.state !== 'outstanding')).toBe(true);
    const events = await auditOf(fx.svc, p.id, 'admin_action');
    expect(events.at(-1)?.detail).toMatchObject({
      action: 'edit-identity',
      reason: WHY.reason,
      changes: [{ field: 'email', from: p.email, to: fixed }],
    });
  });

  it('a new username is told to the account’s address; a clash is refused naming the field', async () => {
    const p = await fx.person('edit.user');
    const q = await fx.person('edit.taken');
    const clash = await patch(
      admin,
      p.id,
      { username: q.username, ...WHY },
      (await openAccount(admin, p.id)).etag,
    );
    refused(clash, 409, 'conflict');
    expect(clash.body.error?.field).toBe('username');
    const renamed = `${p.username}.fixed`;
    const result = ok(
      await patch(
        admin,
        p.id,
        { username: renamed, ...WHY },
        (await openAccount(admin, p.id)).etag,
      ),
    );
    expect(result.changes).toEqual([{ field: 'username', from: p.username, to: renamed }]);
    const mail = await mailTo(fx.smtp, p.email, /Your username is now/);
    expect(mail.text).toContain(renamed);
  });

  it('a shared login’s holders are told of a new email address', async () => {
    const p = await fx.person('edit.shared', {
      shared: true,
      holders: [{ name: 'Holly Holder', email: 'holly.holder@bay.example.org' }],
    });
    const to = `desk.${p.username}@bay.example.org`;
    ok(await patch(admin, p.id, { email: to, ...WHY }, (await openAccount(admin, p.id)).etag));
    await mailTo(fx.smtp, 'holly.holder@bay.example.org', /This is now the email address/);
  });

  it('a helpdesk holding edit_identity edits a phone but may not create; nothing to change writes nothing', async () => {
    const p = await fx.person('edit.desk');
    const { etag } = await openAccount(desk, p.id);
    const result = ok(await patch(desk, p.id, { phone: '+1 555 0199', ...WHY }, etag));
    expect(result.changes).toEqual([{ field: 'phone', from: '', to: '+1 555 0199' }]);
    const version = await versionOf(fx.svc, p.id);
    const same = ok(await patch(desk, p.id, { phone: '+1 555 0199', ...WHY }, `"v${version}"`));
    expect(same.changes).toEqual([]);
    expect(await versionOf(fx.svc, p.id)).toBe(version);
    refused(await create(desk, newHire()), 403, 'forbidden');
  });

  it('the power rule: an administrator cannot edit an administrator; outside the organizations, 404', async () => {
    const peer = await seedAdmin(fx.svc.ctx, {
      organizationId: fx.org,
      username: `aa.peer${(n += 1)}`,
      role: 'administrator',
    });
    refused(await patch(admin, peer, { phone: '1', ...WHY }, `"v1"`), 403, 'forbidden');
    const p = await fx.person('edit.scope');
    refused(await patch(outsider, p.id, { phone: '1', ...WHY }, `"v1"`), 404, 'not_found');
  });
});

describe('products and organization', () => {
  it('gives EMTrack: before and after audited, the account told; an unknown product is named', async () => {
    const p = await fx.person('prod', { products: ['emresource'] });
    const { etag } = await openAccount(admin, p.id);
    const path = `/api/v1/accounts/${p.id}/products`;
    const unknown = await put(admin, path, { products: ['emresource', 'emtrak'], ...WHY }, etag);
    refused(unknown, 400, 'validation_failed');
    expect(unknown.body.error?.field).toBe('products');
    const result = ok(
      await put(admin, path, { products: ['emresource', 'emtrack'], ...WHY }, etag),
    );
    expect(result.changes).toEqual([
      { field: 'products', from: 'emresource', to: 'emresource, emtrack' },
    ]);
    const mail = await mailTo(fx.smtp, p.email, /Your access changed/);
    expect(mail.text).toContain('can now sign in to EMTrack');
    refused(
      await put(desk, path, { products: ['eics'], ...WHY }, `"v${result.version}"`),
      403,
      'forbidden',
    );
  });

  it('moves to another organization the administrator manages, not to one they do not', async () => {
    const p = await fx.person('move');
    const path = `/api/v1/accounts/${p.id}/organization`;
    const stranger = await seedOrganization(fx.svc.ctx, 'Far Away Hospital');
    const far = await put(
      admin,
      path,
      { organizationId: stranger, ...WHY },
      (await openAccount(admin, p.id)).etag,
    );
    refused(far, 400, 'validation_failed');
    expect(far.body.error?.field).toBe('organizationId');
    const result = ok(
      await put(
        admin,
        path,
        { organizationId: other, ...WHY },
        (await openAccount(admin, p.id)).etag,
      ),
    );
    expect(result.changes).toEqual([
      { field: 'organization', from: 'Bay General', to: 'Hill Clinic' },
    ]);
    expect((await openAccount(admin, p.id)).view.organization.id).toBe(other);
    await mailTo(fx.smtp, p.email, /now belongs to Hill Clinic/);
    // The helpdesk of Bay General no longer sees it.
    refused(await desk.get(`/api/v1/accounts/${p.id}`), 404, 'not_found');
    expect(mailsTo(fx.smtp, p.email).length).toBeGreaterThan(0);
  });
});
