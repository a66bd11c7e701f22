import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.ts';
import { systemClock } from '../../service/clock.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { WebClient } from '../support/service.ts';
import { openTestStore } from '../support/store.ts';

// Issue 18: graceful shutdown, kept. On SIGTERM the service in its own process stops taking
// connections, answers the requests already under way in full, and exits 0. The requests are
// held "under way" without any timing: each is sent with `Expect: 100-continue` and its body is
// kept back until the server has answered 100 Continue (it holds the request) and refused a
// new connection (it has begun to close).

const PASSWORD = 'tulip orbit saddle lantern';
let store: Awaited<ReturnType<typeof openTestStore>>;
let svc: ServiceProcess | undefined;
afterAll(async () => {
  await svc?.close();
  await store?.close();
});

interface HeldPost {
  /** Settles once the server has taken the request's headers (100 Continue). */
  continued: Promise<void>;
  /** Sends the body. */
  finish(): void;
  response: Promise<{ status: number; headers: IncomingHttpHeaders }>;
}

function heldPost(port: number, path: string, headers: Record<string, string>, body: string) {
  const req = request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent: false,
    headers: {
      ...headers,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      expect: '100-continue',
    },
  });
  const held: HeldPost = {
    continued: new Promise((resolve) => req.once('continue', () => resolve())),
    finish: () => req.end(body),
    response: new Promise((resolve, reject) => {
      req.once('response', (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.once('error', reject);
    }),
  };
  req.flushHeaders();
  return held;
}

/** True when a new TCP connection to the port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

async function until(condition: () => Promise<boolean>, what: string, ms = 30_000) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('graceful shutdown', () => {
  it('SIGTERM with sign-ins under way: they are answered in full, new connections are refused, exit code 0', async () => {
    store = await openTestStore();
    const ctx = {
      db: store.db,
      clock: systemClock,
      hasher: argon2Hasher,
    } as unknown as ServiceContext;
    const org = await seedOrganization(ctx, 'Shutdown Clinic');
    const id = await seedAccount(ctx, { organizationId: org, username: 'drained' });
    const running = await startServiceProcess(store, { SEARCH_INDEX: 'store' });
    svc = running;

    const browser = new WebClient(running.url);
    const csrf = await browser.csrfToken();
    const headers = { cookie: browser.cookieHeader() };
    const body = (password: string) =>
      new URLSearchParams({ identifier: 'drained', password, _csrf: csrf }).toString();
    const right = heldPost(running.port, '/login', headers, body(PASSWORD));
    const wrong = heldPost(running.port, '/login', headers, body('not the password'));
    await Promise.all([right.continued, wrong.continued]);

    process.kill(running.pid, 'SIGTERM');
    await until(() => refused(running.port), 'new connections refused');

    right.finish();
    wrong.finish();
    const [signedIn, refusedAnswer] = await Promise.all([right.response, wrong.response]);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
    expect(refusedAnswer.status).toBe(401);
    expect(await running.exited).toBe(0);

    // The answered sign-in did its work before the process went: a session and its event.
    const sessions = await store.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', id)
      .execute();
    expect(sessions).toHaveLength(1);
    const events = await store.db
      .selectFrom('audit_events')
      .select('type')
      .where('account_id', '=', id)
      .where('type', 'in', ['sign_in', 'sign_in_failed'])
      .orderBy('seq')
      .execute();
    expect(events.map((e) => e.type).sort()).toEqual(['sign_in', 'sign_in_failed']);
  }, 120_000);
});
