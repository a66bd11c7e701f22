import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import {
  recoveryProcessed,
  startTestService,
  WebClient,
  type PageResponse,
  type TestService,
} from '../support/service.ts';
import { linksIn, startSmtp, type CaughtMail, type SmtpCatcher } from '../support/smtp.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PASSWORD = 'tulip orbit saddle lantern';
const ANSWER = 'Rex the dog';

let smtp: SmtpCatcher;
let svc: TestService;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  const org = await seedOrganization(svc.ctx, 'Springfield General Hospital');
  // Two accounts on one mailbox (a ward's shared address), and single-account addresses.
  await seedAccount(svc.ctx, {
    organizationId: org,
    username: 'alice.nurse',
    email: 'ward7@example.org',
  });
  await seedAccount(svc.ctx, {
    organizationId: org,
    username: 'bob.medic',
    email: 'ward7@example.org',
  });
  await seedAccount(svc.ctx, {
    organizationId: org,
    username: 'carol.single',
    email: 'carol@example.org',
  });
  await seedAccount(svc.ctx, {
    organizationId: org,
    username: 'dan.flood',
    email: 'dan@example.org',
  });
  await seedAccount(svc.ctx, {
    organizationId: org,
    username: 'erin.parts',
    email: 'erin@example.org',
  });
  for (let i = 1; i <= 3; i += 1) {
    await seedAccount(svc.ctx, {
      organizationId: org,
      username: `marker${i}`,
      email: `marker${i}@example.org`,
    });
  }
});

afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});

// Each test starts in a fresh per-IP window (20 requests per 15 minutes from one address), so
// what a test sees is decided by the per-address rules it is about, not by earlier tests.
beforeEach(() => {
  svc.clock.advance(15 * MINUTE);
});

/** Presses Continue on Retrieve Forgotten Username, as a browser would. */
async function requestReminder(email: string): Promise<PageResponse> {
  const client = new WebClient(svc.url);
  await client.get('/forgot-username');
  return client.post('/forgot-username', { email });
}

const mailTo = (address: string) => (m: CaughtMail) => m.to.includes(address);
const caughtFor = (address: string): CaughtMail[] => smtp.messages.filter(mailTo(address));

async function outboxTo(address: string): Promise<number> {
  const row = await svc.ctx.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('to_address', '=', address)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Sends a reminder to a known address and waits for it: the dispatcher has then handled
 * everything queued before it, so mail that has not come by now is not coming.
 */
async function sentMarker(n: number): Promise<void> {
  const before = caughtFor(`marker${n}@example.org`).length;
  expect((await requestReminder(`marker${n}@example.org`)).status).toBe(303);
  await smtp.waitFor(() => caughtFor(`marker${n}@example.org`).length > before);
}

/** The outcomes the audit log recorded for reminder requests made at the current clock time. */
async function auditedOutcomes(): Promise<string[]> {
  const events = await svc.ctx.db
    .selectFrom('audit_events')
    .select(['detail'])
    .where('type', '=', 'username_reminder_requested')
    .where('at', '=', svc.clock.now())
    .execute();
  return events.map((e) => (JSON.parse(e.detail) as { outcome: string }).outcome);
}

/** Headers that may differ between two otherwise identical responses. */
const comparableHeaders = (r: PageResponse): Record<string, string> =>
  Object.fromEntries([...r.headers].filter(([name]) => !['date', 'set-cookie'].includes(name)));

describe('Retrieve Forgotten Username', () => {
  it('R27: an address with two accounts gets ONE email listing both usernames, and no link but Log In', async () => {
    const response = await requestReminder('ward7@example.org');
    expect(response.status).toBe(303);
    expect(response.location).toBe('/forgot-username/sent');

    const mail = await smtp.waitFor(mailTo('ward7@example.org'));
    await sentMarker(1);
    expect(caughtFor('ward7@example.org')).toHaveLength(1);
    expect(await outboxTo('ward7@example.org')).toBe(1);

    expect(mail.subject).toBe('Your usernames');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('alice.nurse');
      expect(part).toContain('bob.medic');
      // The only address in it is the Log In page: no reset link, no token (R27), no password (R26).
      expect(new Set(linksIn(part))).toEqual(new Set([`${svc.url}/login`]));
      expect(part).not.toMatch(/\/reset\//);
      expect(part).not.toMatch(/[\w-]{43}/);
      expect(part).not.toContain(PASSWORD);
      expect(part).not.toContain(ANSWER);
    }
  });

  it('the email has a plain-text part and an HTML part, both saying the username', async () => {
    expect((await requestReminder('carol@example.org')).status).toBe(303);
    const mail = await smtp.waitFor(mailTo('carol@example.org'));
    expect(mail.raw).toMatch(/content-type: multipart\/alternative/i);
    expect(mail.raw).toMatch(/content-type: text\/plain/i);
    expect(mail.raw).toMatch(/content-type: text\/html/i);
    expect(mail.subject).toBe('Your username');
    expect(mail.text).toContain('The username registered to this address is carol.single.');
    expect(mail.html).toContain('carol.single');
    expect(mail.html).toMatch(/<html lang="en">/);
    expect(mail.html).toContain(`href="${svc.url}/login"`);
  });

  it('R2: an unknown address gets the same response and the same page, and no email', async () => {
    const known = await requestReminder('erin@example.org');
    const unknown = await requestReminder('nobody-here@example.org');
    expect(unknown.status).toBe(known.status);
    expect(unknown.location).toBe(known.location);
    expect(unknown.body).toBe(known.body);
    expect(comparableHeaders(unknown)).toEqual(comparableHeaders(known));

    // The page shown after Continue is the same in both cases.
    const client = new WebClient(svc.url);
    const knownPage = await client.get(known.location ?? '');
    const unknownPage = await client.get(unknown.location ?? '');
    expect(knownPage.status).toBe(200);
    expect(knownPage.heading).toBe('Check Your Email');
    expect(knownPage.text).toContain(
      'If that address is registered, we have emailed the usernames registered to it.',
    );
    expect(unknownPage.status).toBe(knownPage.status);
    expect(unknownPage.body).toBe(knownPage.body);
    expect(comparableHeaders(unknownPage)).toEqual(comparableHeaders(knownPage));

    // The known address got its email; the unknown one got nothing, and nothing is on its way.
    await smtp.waitFor(mailTo('erin@example.org'));
    await sentMarker(2);
    expect(caughtFor('nobody-here@example.org')).toEqual([]);
    expect(await outboxTo('nobody-here@example.org')).toBe(0);
  });

  it('R43: the 6th request within an hour for one address sends nothing more, and looks the same', async () => {
    const known: PageResponse[] = [];
    const unknown: PageResponse[] = [];
    for (let i = 0; i < 6; i += 1) {
      known.push(await requestReminder('dan@example.org'));
      unknown.push(await requestReminder('nobody-else@example.org'));
    }
    // Every response, throttled or not, known or not, is the same redirect to the same page.
    for (const r of [...known, ...unknown]) {
      expect(r.status).toBe(303);
      expect(r.location).toBe('/forgot-username/sent');
      expect(r.body).toBe(known[0]?.body);
      expect(comparableHeaders(r)).toEqual(comparableHeaders(known[0] as PageResponse));
    }

    await smtp.waitFor(() => caughtFor('dan@example.org').length >= 5);
    await sentMarker(3);
    expect(caughtFor('dan@example.org')).toHaveLength(5);
    expect(await outboxTo('dan@example.org')).toBe(5);
    expect(await outboxTo('nobody-else@example.org')).toBe(0);
    // Inside, the throttled requests are recorded as such (R9).
    expect((await auditedOutcomes()).filter((o) => o === 'rate_limited')).toHaveLength(1);

    // An hour later the address may ask again: a limit, not a ban.
    svc.clock.advance(HOUR);
    expect((await requestReminder('dan@example.org')).status).toBe(303);
    await smtp.waitFor(() => caughtFor('dan@example.org').length === 6);
    expect(await outboxTo('dan@example.org')).toBe(6);
  });

  it('R9: the audit record tells apart the cases the page hides', async () => {
    await requestReminder('carol@example.org');
    await requestReminder('no-such-person@example.org');
    await recoveryProcessed(svc);
    expect((await auditedOutcomes()).sort()).toEqual(['sent', 'unknown_address']);
  });
});
