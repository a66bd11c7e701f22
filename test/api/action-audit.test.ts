import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionName } from '../../common/api/actions.ts';
import { seedAccount, seedOrganization, type SeedAccount } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  auditOf,
  logIn,
  ok,
  outboxOf,
  putHolders,
  REASON,
  refused,
  signedIn,
  verifyCaller,
  versionOf,
  type ConsoleClient,
} from '../support/console.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let externalOrg: string;
let admin: ConsoleClient;
let adminId: string;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Meadow Care', { adminTotpExempt: true });
  externalOrg = await seedOrganization(svc.ctx, 'Moved Away Clinic', {
    externalLoginUrl: 'https://login.moved-away.example/',
  });
  adminId = await seedAdmin(svc.ctx, {
    organizationId: org,
    username: 'auditor1',
    role: 'super_admin',
  });
  admin = await signedIn(svc, 'auditor1');
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});

let counter = 0;
async function person(o: Partial<SeedAccount> = {}) {
  const username = `subject${(counter += 1)}`;
  return seedAccount(svc.ctx, { organizationId: org, username, ...o });
}
const holders = () => [
  { name: 'Lee', email: `lee${counter}@example.org` },
  { name: 'Max', email: `max${counter}@example.org` },
];

/** Puts an account into the state an action applies to. */
const SETUP: Record<ActionName, () => Promise<string>> = {
  'send-reset-email': () => person(),
  'send-username-reminder': () => person(),
  unlock: async () => {
    const id = await person();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ locked_at: svc.clock.now(), locked_until: null, failed_count: 5 })
      .where('id', '=', id)
      .execute();
    return id;
  },
  'end-sessions': () => person(),
  'invalidate-links': () => person(),
  'set-temporary-password': () => person(),
  'clear-security-question': () => person(),
  'reset-shared-login': () => person({ shared: true, holders: holders() }),
  'convert-shared-login': () => person({ shared: true, holders: holders() }),
  disable: () => person(),
  enable: async () => {
    const id = await person();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', id)
      .execute();
    return id;
  },
};
const VERIFIED = new Set<ActionName>([
  'unlock',
  'set-temporary-password',
  'clear-security-question',
  'reset-shared-login',
]);

describe('R75 R79: every action is audited in the transaction of its change', () => {
  it('R75 R79: each action writes one admin_action with actor, reason, ticket and verification method', async () => {
    for (const action of Object.keys(SETUP) as ActionName[]) {
      const id = await SETUP[action]();
      const ticket = `TCK-${action}`;
      const verificationId = VERIFIED.has(action) ? await verifyCaller(admin, id) : undefined;
      const result = ok(await act(admin, id, action, { ticket, verificationId }));
      const events = await auditOf(svc, id, 'admin_action');
      expect(events, action).toHaveLength(1);
      expect(events[0], action).toMatchObject({
        actor: adminId,
        organization_id: org,
        ip: '127.0.0.1',
        at: svc.clock.now(),
        detail: {
          action,
          reason: REASON,
          ticket,
          verification: verificationId ? 'answer' : 'none',
          summary: result.summary,
          // The moment the summary names, so the console can tell it in the agent's zone.
          ...(result.linkExpiresAt ? { linkExpiresAt: result.linkExpiresAt } : {}),
        },
      });
      // The change and its record carry the same version: one transaction made both.
      expect(await versionOf(svc, id), action).toBe(result.version);
      expect(result.version, action).toBe(2);
    }
    const shared = await person({ shared: true });
    ok(await putHolders(admin, shared, holders(), { ticket: 'TCK-holders' }));
    expect((await auditOf(svc, shared, 'admin_action'))[0]?.detail).toMatchObject({
      action: 'set-holders',
      ticket: 'TCK-holders',
      verification: 'none',
    });
  });

  it('R79: a missing or too short reason is refused before anything happens', async () => {
    const id = await person();
    refused(await act(admin, id, 'send-reset-email', { reason: '  ' }), 400, 'validation_failed');
    const noReason = await admin.post(
      `/api/v1/accounts/${id}/actions/send-reset-email`,
      {},
      { 'if-match': '"v1"' },
    );
    expect(noReason.body).toMatchObject({
      error: { code: 'validation_failed', field: 'reason' },
    });
    expect(await versionOf(svc, id)).toBe(1);
    expect(await auditOf(svc, id, 'admin_action')).toEqual([]);
  });
});

describe('refusals: an action that does not apply is 409 and leaves no trace', () => {
  /** Refused with 409; the version bump, the audit row and any mail rolled back with it. */
  async function refusedWhole(id: string, action: ActionName, verify = false) {
    const version = await versionOf(svc, id);
    const mails = (await outboxOf(svc, id)).length;
    const verificationId = verify ? await verifyCaller(admin, id) : undefined;
    const answer = await act(admin, id, action, { verificationId });
    refused(answer, 409, 'conflict');
    expect(await versionOf(svc, id), action).toBe(version);
    expect(await auditOf(svc, id, 'admin_action'), action).toHaveLength(version - 1);
    expect(await outboxOf(svc, id), action).toHaveLength(mails);
    return answer.body.error?.message ?? '';
  }

  it('unlock, enable and disable refuse when the account is already so', async () => {
    const id = await person();
    expect(await refusedWhole(id, 'unlock', true)).toBe('This account is not locked.');
    expect(await refusedWhole(id, 'enable')).toBe('This account is not disabled.');
    ok(await act(admin, id, 'disable'));
    expect(await refusedWhole(id, 'disable')).toBe('This account is already disabled.');
    expect(await refusedWhole(id, 'send-reset-email')).toContain('disabled');
    expect(await refusedWhole(id, 'set-temporary-password', true)).toContain('disabled');
  });

  it('a reset email needs a security question and an organization that signs in here', async () => {
    const bare = await person({ answer: null });
    expect(await refusedWhole(bare, 'send-reset-email')).toContain('no security question');
    const moved = await seedAccount(svc.ctx, {
      organizationId: externalOrg,
      username: `moved${(counter += 1)}`,
    });
    expect(await refusedWhole(moved, 'send-reset-email')).toContain(
      'https://login.moved-away.example/',
    );
  });

  it('shared-login actions refuse personal accounts, and a shared login without holders or products', async () => {
    const personal = await person();
    expect(await refusedWhole(personal, 'reset-shared-login', true)).toContain(
      'not a shared login',
    );
    expect(await refusedWhole(personal, 'convert-shared-login')).toContain('not a shared login');
    const shared = await person({ shared: true, holders: holders() });
    expect(await refusedWhole(shared, 'set-temporary-password', true)).toContain('shared login');
    const empty = await person({ shared: true });
    expect(await refusedWhole(empty, 'convert-shared-login')).toContain('no holders');
    // Every product is needed for a personal account: the first holder already fails, and the
    // conversion answers why instead of a 500.
    const people = holders();
    const noProducts = await person({ shared: true, holders: people, products: [] });
    expect(await refusedWhole(noProducts, 'convert-shared-login')).toContain(
      `Lee <${people[0]?.email}> cannot get a personal account`,
    );
    const made = await svc.ctx.db
      .selectFrom('accounts')
      .select('id')
      .where(
        'email',
        'in',
        people.map((h) => h.email),
      )
      .execute();
    expect(made).toEqual([]);
    expect((await logIn(svc, `subject${counter}`, 'tulip orbit saddle lantern')).location).toBe(
      '/',
    );
  });
});
