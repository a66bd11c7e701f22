import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_CLI } from '../../scripts/service-process.ts';
import { hashToken } from '../../service/ids.ts';
import { demoClientsFile, readDemoClients } from '../../service/oidc/demo-clients.ts';
import { RETIRED_KEY_KEPT_MS } from '../../service/oidc/keys.ts';
import { pruneProviderState } from '../../service/oidc/logout-dispatcher.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { RelyingParty, signInThroughProduct } from '../support/relying-party.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';

// Issue 14 / SPEC §5: `npm run service -- client add …` prints exactly one JSON object, refuses
// bad input naming the option, and `keys rotate` keeps the old key published while it matters.

const run = promisify(execFile);
let svc: TestService;
let env: NodeJS.ProcessEnv;

/** Runs `npm run service -- ARGS` on the test service's store, as an operator would. */
async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [SERVICE_CLI, ...args], {
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each command is a process of its own (a few seconds each on a shared machine).
const CLI_TEST_MS = 180_000;

beforeAll(async () => {
  svc = await startTestService();
  await seedOrganization(svc.ctx, 'Clinic With Products');
  env = {
    ...process.env,
    DATA_DIR: svc.dataDir,
    LOG_LEVEL: 'silent',
    ...(svc.databaseUrl ? { DATABASE_URL: svc.databaseUrl } : {}),
  };
  if (!svc.databaseUrl) delete env.DATABASE_URL;
  delete env.SMTP_URL;
});
afterAll(async () => svc?.close());

describe('client add', () => {
  it(
    'prints exactly one JSON object {"client_id", "client_secret"}; only the secret\'s hash is stored',
    async () => {
      const result = await cli([
        'client',
        'add',
        '--product',
        'EMResource',
        '--redirect-uri',
        'https://emresource.example.org/callback',
        '--redirect-uri',
        'https://emresource.example.org/oidc/callback',
        '--backchannel-logout-uri',
        'https://emresource.example.org/backchannel-logout',
      ]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      const printed = JSON.parse(result.stdout) as Record<string, string>;
      expect(Object.keys(printed)).toEqual(['client_id', 'client_secret']);
      expect(printed.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const row = await svc.ctx.db
        .selectFrom('oidc_clients')
        .selectAll()
        .where('client_id', '=', printed.client_id ?? '')
        .executeTakeFirstOrThrow();
      expect(row.secret_hash).toBe(hashToken(printed.client_secret ?? ''));
      expect(JSON.stringify(row)).not.toContain(printed.client_secret);
      expect(JSON.parse(row.redirect_uris)).toEqual([
        'https://emresource.example.org/callback',
        'https://emresource.example.org/oidc/callback',
      ]);
      expect(row.backchannel_logout_uri).toBe('https://emresource.example.org/backchannel-logout');
    },
    CLI_TEST_MS,
  );

  it(
    '--public prints no client_secret key at all; http is accepted on the loopback',
    async () => {
      const result = await cli([
        'client',
        'add',
        '--product',
        'emtrack',
        '--redirect-uri',
        'http://127.0.0.1:4100/callback',
        '--public',
      ]);
      expect(result.code).toBe(0);
      const printed = JSON.parse(result.stdout) as Record<string, string>;
      expect(Object.keys(printed)).toEqual(['client_id']);
    },
    CLI_TEST_MS,
  );

  it(
    'refusals name the option: unknown product (and how to create one), non-https, missing URI',
    async () => {
      const unknown = await cli([
        'client',
        'add',
        '--product',
        'emtruck',
        '--redirect-uri',
        'https://emtrack.example.org/callback',
      ]);
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain('--product: No product has the code "emtruck"');
      expect(unknown.stderr).toContain('Products: eics, emresource, emtrack');
      expect(unknown.stderr).toContain('--create-products');

      const plain = await cli([
        'client',
        'add',
        '--product',
        'eics',
        '--redirect-uri',
        'http://eics.example.org/callback',
        '--backchannel-logout-uri',
        'not a url',
      ]);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain(
        '--redirect-uri: "http://eics.example.org/callback" must use https',
      );
      expect(plain.stderr).toContain(
        '--backchannel-logout-uri: "not a url" is not an absolute URL',
      );

      const fragment = await cli([
        'client',
        'add',
        '--product',
        'eics',
        '--redirect-uri',
        'https://eics.example.org/callback#x',
      ]);
      expect(fragment.stderr).toContain(
        '--redirect-uri: "https://eics.example.org/callback#x" must not have a fragment',
      );

      const none = await cli(['client', 'add', '--product', 'eics']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('--redirect-uri: Give at least one redirect URI.');

      const noProduct = await cli([
        'client',
        'add',
        '--redirect-uri',
        'https://eics.example.org/cb',
      ]);
      expect(noProduct.code).toBe(2);
      expect(noProduct.stderr).toContain('--product: give the product code');
      expect(
        await svc.ctx.db
          .selectFrom('oidc_clients')
          .select('client_id')
          .where('product_id', '=', 'eics')
          .execute(),
      ).toEqual([]);
    },
    CLI_TEST_MS,
  );

  it(
    'client list shows registrations and never a secret or its hash; client remove takes one away',
    async () => {
      const added = JSON.parse(
        (
          await cli([
            'client',
            'add',
            '--product',
            'eics',
            '--redirect-uri',
            'https://eics.example.org/callback',
          ])
        ).stdout,
      ) as { client_id: string; client_secret: string };
      const listed = await cli(['client', 'list']);
      expect(listed.code).toBe(0);
      const clients = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
      expect(clients.find((c) => c.clientId === added.client_id)).toMatchObject({
        productCode: 'eics',
        productName: 'eICS',
        public: false,
        redirectUris: ['https://eics.example.org/callback'],
      });
      expect(listed.stdout).not.toContain(added.client_secret);
      expect(listed.stdout).not.toContain(hashToken(added.client_secret));
      expect(await cli(['client', 'remove', added.client_id])).toMatchObject({ code: 0 });
      expect((await cli(['client', 'list'])).stdout).not.toContain(added.client_id);
      const again = await cli(['client', 'remove', added.client_id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`No client has the id "${added.client_id}"`);
    },
    CLI_TEST_MS,
  );

  it(
    'demo registers the three demo-product clients once, secrets readable only by the owner',
    async () => {
      expect((await cli(['demo'])).code).toBe(0);
      const first = readDemoClients(svc.dataDir);
      expect(first?.clients.map((c) => c.name)).toEqual(['EMResource', 'eICS', 'EMTrack']);
      expect(first?.clients[0]).toMatchObject({
        redirect_uri: 'http://127.0.0.1:4100/callback',
        backchannel_logout_uri: 'http://127.0.0.1:4100/backchannel-logout',
      });
      expect(statSync(demoClientsFile(svc.dataDir)).mode & 0o777).toBe(0o600);
      expect((await cli(['demo'])).code).toBe(0);
      expect(readDemoClients(svc.dataDir)).toEqual(first);
    },
    CLI_TEST_MS,
  );
});

describe('keys rotate', () => {
  it(
    'the new key is published, then signs; the old one stays in the JWKS until what it signed expired, then is dropped',
    async () => {
      const org = await seedOrganization(svc.ctx, 'Key Rotation Clinic');
      await seedAccount(svc.ctx, { organizationId: org, username: 'rotating' });
      const rp = new RelyingParty('EMResource');
      await rp.start();
      try {
        await rp.register(svc.ctx, svc.url, { product: 'emresource' });
        const jwksUrl = new URL(`${svc.url}/oidc/jwks`);
        const kids = async () =>
          ((await (await fetch(jwksUrl)).json()) as { keys: Array<{ kid: string }> }).keys.map(
            (k) => k.kid,
          );
        const before = await kids();
        expect(before).toHaveLength(1);
        const browser = new WebClient(svc.url);
        await signInThroughProduct(rp, browser, 'rotating', 'tulip orbit saddle lantern');
        const oldToken = rp.signIns.at(-1)?.idToken ?? '';
        expect(decodeProtectedHeader(oldToken).kid).toBe(before[0]);

        const rotated = await cli(['keys', 'rotate']);
        expect(rotated.code).toBe(0);
        expect(rotated.stdout).toContain(`Previous key ${before[0]} stays published until`);
        const fresh = await svc.ctx.db
          .selectFrom('oidc_keys')
          .select(['id', 'created_at'])
          .where('use', '=', 'sig')
          .where('retired_at', 'is', null)
          .executeTakeFirstOrThrow();
        // Running processes reload the keys every 30 s; here, at once.
        await svc.app.oidc.reload();
        // Published first, not yet signing: a product may meet it only after its JWKS has it.
        expect(await kids()).toEqual([before[0], fresh.id]);
        await signInThroughProduct(rp, browser, 'unused', 'unused');
        expect(decodeProtectedHeader(rp.signIns.at(-1)?.idToken ?? '').kid).toBe(before[0]);

        // Its time comes (the CLI stamped it with the real clock; the service's clock moves there).
        svc.clock.advance(fresh.created_at - svc.clock.now() + 1000);
        await svc.app.oidc.reload();
        expect(await kids()).toEqual([fresh.id, before[0]]);
        await signInThroughProduct(rp, browser, 'unused', 'unused');
        const newToken = rp.signIns.at(-1)?.idToken ?? '';
        expect(decodeProtectedHeader(newToken).kid).toBe(fresh.id);
        // The old key's tokens still verify against the published JWKS.
        const jwks = createRemoteJWKSet(jwksUrl);
        const options = { issuer: svc.url, currentDate: new Date(svc.clock.now()) };
        await expect(jwtVerify(oldToken, jwks, options)).resolves.toBeTruthy();
        await expect(jwtVerify(newToken, jwks, options)).resolves.toBeTruthy();

        // Once what it signed has expired, it is dropped.
        svc.clock.advance(RETIRED_KEY_KEPT_MS);
        await pruneProviderState(svc.ctx.db, svc.clock);
        await svc.app.oidc.reload();
        expect(await kids()).toEqual([fresh.id]);
      } finally {
        await rp.stop();
      }
    },
    CLI_TEST_MS,
  );
});
