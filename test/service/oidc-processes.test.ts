import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.ts';
import { systemClock } from '../../service/clock.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { RelyingParty, redirectBack } from '../support/relying-party.ts';
import { WebClient } from '../support/service.ts';
import { openTestStore } from '../support/store.ts';

// Issue 14: the provider keeps nothing of its own in a process. Two real `service/cli.ts serve`
// processes share this file's store (a SQLite file, or a PostgreSQL schema under test:pg) behind
// one public address, as behind a load balancer: a code issued by one is redeemed at the other.

const PASSWORD = 'tulip orbit saddle lantern';
let store: Awaited<ReturnType<typeof openTestStore>>;
let ctx: ServiceContext;
let processes: ServiceProcess[] = [];
let balancer: Server;
let publicUrl = '';
/** Which process the balancer sends the token endpoint to (everything else goes to the other). */
let tokenProcess = 1;
/** What each process served: "METHOD path" lines. */
const served: string[][] = [[], []];
const rp = new RelyingParty('EMResource');

/** A minimal HTTP balancer: the token endpoint to `tokenProcess`, the rest to the other. */
async function startBalancer(): Promise<void> {
  balancer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const target = path === '/oidc/token' ? tokenProcess : 1 - tokenProcess;
    served[target]?.push(`${req.method} ${path}`);
    const upstream = processes[target] as ServiceProcess;
    const forward = request(
      {
        host: '127.0.0.1',
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  publicUrl = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  store = await openTestStore();
  ctx = { db: store.db, clock: systemClock, hasher: argon2Hasher } as unknown as ServiceContext;
  const org = await seedOrganization(ctx, 'Two Process Hospital');
  await seedAccount(ctx, { organizationId: org, username: 'roaming' });
  await startBalancer();
  // Processes behind one address share CSRF_SECRET and PUBLIC_URL, as the README asks.
  const env = {
    SEARCH_INDEX: 'store',
    CSRF_SECRET: 'two processes share this csrf secret, 0123',
    PUBLIC_URL: publicUrl,
  };
  // One after the other: the first makes the provider's keys, the second finds them.
  processes = [await startServiceProcess(store, env)];
  processes.push(await startServiceProcess(store, env));
  await rp.start();
  await rp.register(ctx, publicUrl, { product: 'emresource' });
}, 180_000);
afterAll(async () => {
  await rp.stop();
  await Promise.all(processes.map((p) => p.close()));
  await new Promise((resolve) => balancer?.close(resolve));
  await store?.close();
});

describe('OpenID Connect across two service processes on one store', () => {
  it('a code issued by one process is redeemed at the other, both ways', async () => {
    for (const issuing of [0, 1]) {
      tokenProcess = 1 - issuing;
      for (const log of served) log.length = 0;
      const back = await redirectBack(rp, new WebClient(publicUrl), 'roaming', PASSWORD);
      expect(back.searchParams.get('iss')).toBe(publicUrl);
      expect(await (await fetch(back)).text()).toContain('Signed in as roaming');
      // The sign-in (authorization, Log In, the resume step) was all served by one process…
      expect(served[issuing]).toEqual(
        expect.arrayContaining(['GET /oidc/auth', 'POST /login', 'GET /login']),
      );
      // …and the code redeemed at the other, which validated it from the shared store.
      expect(served[1 - issuing]).toEqual(['POST /oidc/token']);
      const signIn = rp.signIns.at(-1);
      expect(signIn?.claims).toMatchObject({ iss: publicUrl, preferred_username: 'roaming' });
      const info = await client.fetchUserInfo(
        rp.requireConfig(),
        signIn?.accessToken ?? '',
        signIn?.claims.sub ?? '',
      );
      expect(info.preferred_username).toBe('roaming');
    }
  });

  it('both processes publish the same signing keys', async () => {
    const jwks = await Promise.all(
      processes.map(async (p) => (await fetch(`${p.url}/oidc/jwks`)).text()),
    );
    expect(jwks[0]).toBe(jwks[1]);
  });
});
