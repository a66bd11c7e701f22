import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApiNetwork,
  type CertificateVerifyRequest,
  type NetSessionLike,
} from '../../main/api-network.ts';
import type { MachineConfig } from '../../main/machine-config.ts';
import { silentLog } from '../../main/log.ts';
import { seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { startConsoleMain } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { shownFailure } from '../support/shown-failure.ts';
import { FakeNetSession } from './fake-net.ts';
import {
  makeTestPki,
  startHttpsFront,
  type HttpsFront as Front,
  type ServerIdentity,
  type TestPki,
} from './test-pki.ts';

// Issue 17: main reaches the account services through Chromium's stack (Electron's
// session.fetch), with IT's extra authorities and proxy from the machine configuration. Here the
// session is test/main/fake-net.ts (undici over real sockets, Chromium's verdicts emulated);
// the servers, certificates and proxy are real. README "For IT" says what only Electron proves.

let svc: TestService;
let pki: TestPki;
let org: string;
let admins = 0;

const httpsFront = (identity: ServerIdentity) => startHttpsFront(identity, svc.url);

/** A real HTTP CONNECT proxy that alone knows where service.test is (127.0.0.1). */
async function startProxy(answer = 200) {
  const tunnels: string[] = [];
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    tunnels.push(req.url ?? '');
    if (answer !== 200) {
      client.end(`HTTP/1.1 ${answer} Refused\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(
      Number(port),
      host === 'service.test' ? '127.0.0.1' : (host ?? ''),
    );
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', () => client.destroy());
    client.once('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    rules: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const authorities = (...files: string[]) =>
  files.map((file) => new X509Certificate(readFileSync(file)));

/** Signs in through the console (IPC, handlers, axios, Chromium's stand-in) at `url`. */
async function signInAt(
  url: string,
  machine: Partial<MachineConfig>,
  netSession = new FakeNetSession(),
) {
  const username = `tls-admin${(admins += 1)}`;
  await seedAdmin(svc.ctx, { organizationId: org, username, role: 'administrator' });
  const h = startConsoleMain({
    machine: { connections: [{ name: 'Hospital', url, colour: '#1d4ed8' }], ...machine },
    netSession,
  });
  const connectionId = h.idOf('Hospital');
  const answer = await h.call('signIn', { connectionId, username, password: ADMIN_PASSWORD });
  await netSession.close();
  return answer;
}

beforeAll(async () => {
  pki = makeTestPki();
  svc = await startTestService();
  org = await seedOrganization(svc.ctx, 'TLS Health', { adminTotpExempt: true });
});
afterAll(async () => svc?.close());

describe('the account services over TLS, through Chromium’s stack', () => {
  let front: Front;
  beforeAll(async () => (front = await httpsFront(pki.server)));
  afterAll(async () => front?.close());
  const url = () => `https://localhost:${front.port}`;

  it('R116: a certificate from an authority this computer does not trust is refused, in words: which host, which certificate, what to do', async () => {
    const before = front.requests;
    const answer = await signInAt(url(), {});
    // Main answers the failure as data; the renderer words it.
    expect(answer).toMatchObject({
      ok: false,
      code: 'offline',
      message: 'net::ERR_CERT_AUTHORITY_INVALID',
      network: {
        to: { name: 'Hospital', host: `localhost:${front.port}`, hostname: 'localhost' },
        error: 'ERR_CERT_AUTHORITY_INVALID',
        refused: { facts: { subject: expect.stringContaining('localhost') } },
      },
    });
    const message = await shownFailure(answer);
    expect(message).toContain(`The console refused Hospital (localhost:${front.port})`);
    expect(message).toContain(
      'issued by “Latchkey Test Issuing CA”, an authority this computer does not trust',
    );
    expect(message).toContain('certificate “localhost”');
    expect(message).toMatch(/SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(message).toContain('net::ERR_CERT_AUTHORITY_INVALID');
    expect(message).toContain('network.caBundleFile');
    // Nothing was sent: the password never left over the refused connection.
    expect(front.requests).toBe(before);
  });

  it('accepted with the hospital’s root in network.caBundleFile (the server sends its issuing CA)', async () => {
    const answer = await signInAt(url(), {
      network: { caBundleFile: pki.rootFile, authorities: authorities(pki.rootFile) },
    });
    expect(answer).toMatchObject({ ok: true, value: { state: 'signed_in' } });
  });

  it('a bundle holding another authority does not help', async () => {
    const answer = await signInAt(url(), {
      network: { caBundleFile: pki.strangerFile, authorities: authorities(pki.strangerFile) },
    });
    expect(answer).toMatchObject({ ok: false, code: 'offline' });
    expect(await shownFailure(answer)).toContain('net::ERR_CERT_AUTHORITY_INVALID');
  });

  it('trusted by the operating system’s store: accepted with no bundle at all', async () => {
    const session = new FakeNetSession();
    session.systemRoots.push(pki.rootPem);
    expect(await signInAt(url(), {}, session)).toMatchObject({ ok: true });
  });
});

describe('IT’s authorities never excuse anything else', () => {
  const withRoot = { network: { caBundleFile: 'root.pem', authorities: [] as X509Certificate[] } };
  beforeAll(() => (withRoot.network.authorities = authorities(pki.rootFile)));

  it('a certificate for another host is refused, and the words say whose it is', async () => {
    const front = await httpsFront(pki.otherHost);
    try {
      const answer = await signInAt(`https://localhost:${front.port}`, withRoot);
      expect(answer).toMatchObject({ ok: false, code: 'offline' });
      expect(await shownFailure(answer)).toContain(
        'its certificate is for other.test, not localhost',
      );
      expect(front.requests).toBe(0);
    } finally {
      await front.close();
    }
  });

  it('an expired certificate is refused: the words give the day it expired', async () => {
    const front = await httpsFront(pki.expired);
    try {
      const answer = await signInAt(`https://localhost:${front.port}`, withRoot);
      expect(await shownFailure(answer)).toContain('its certificate expired on 2020-02-01');
      expect(await shownFailure(answer)).toContain('must be renewed or replaced');
    } finally {
      await front.close();
    }
  });

  it('the OS trusts the authority but the name is wrong: Chromium’s refusal stands', async () => {
    const front = await httpsFront(pki.otherHost);
    const session = new FakeNetSession();
    session.systemRoots.push(pki.rootPem);
    try {
      const answer = await signInAt(`https://localhost:${front.port}`, withRoot, session);
      expect(await shownFailure(answer)).toContain('net::ERR_CERT_COMMON_NAME_INVALID');
      expect(await shownFailure(answer)).toContain('is for other.test, not localhost');
    } finally {
      await front.close();
    }
  });

  it('only an untrusted-authority verdict can become a yes: a revoked chain IT’s root signed is refused', async () => {
    let proc: Parameters<NetSessionLike['setCertificateVerifyProc']>[0] = null;
    const recorder: NetSessionLike = {
      fetch: async () => new Response(null),
      setProxy: async () => undefined,
      setCertificateVerifyProc: (p) => void (proc = p),
    };
    createApiNetwork(recorder, withRoot.network, { log: silentLog });
    const [leafPem, issuingPem] =
      pki.server.chain.match(/-----BEGIN[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const certificate = (pem = '', issuer?: CertificateVerifyRequest['certificate']) => ({
      data: pem,
      subjectName: '',
      issuerName: '',
      validStart: 0,
      validExpiry: 0,
      issuerCert: issuer ?? null,
    });
    const request = (errorCode: number, verificationResult: string): CertificateVerifyRequest => ({
      hostname: 'localhost',
      certificate: certificate(leafPem, certificate(issuingPem)),
      verificationResult,
      errorCode,
    });
    const answers: number[] = [];
    const ask = (r: CertificateVerifyRequest) => proc?.(r, (code) => answers.push(code));
    ask(request(-202, 'net::ERR_CERT_AUTHORITY_INVALID'));
    ask(request(-206, 'net::ERR_CERT_REVOKED'));
    ask(request(0, 'net::OK'));
    ask({
      ...request(-202, 'net::ERR_CERT_AUTHORITY_INVALID'),
      certificate: certificate('garbage'),
    });
    // Accepted; Chromium's verdict (refused); Chromium's verdict (fine); unreadable: Chromium's.
    expect(answers).toEqual([0, -3, -3, -3]);
  });
});

describe('a proxy IT sets in the machine configuration', () => {
  let front: Front;
  beforeAll(async () => (front = await httpsFront(pki.server)));
  afterAll(async () => front?.close());
  const network = (proxy?: Record<string, string>) => ({
    caBundleFile: pki.rootFile,
    authorities: authorities(pki.rootFile),
    ...(proxy ? { proxy: { mode: 'fixed_servers' as const, ...proxy } } : {}),
  });

  it('service.test is reached through the proxy, which sees the tunnel, and only through it', async () => {
    const proxy = await startProxy();
    try {
      const url = `https://service.test:${front.port}`;
      const direct = await signInAt(url, { network: network() });
      expect(direct).toMatchObject({ ok: false, code: 'offline' });
      expect(await shownFailure(direct)).toContain(
        'Cannot find service.test, the address of Hospital (net::ERR_NAME_NOT_RESOLVED)',
      );
      const proxied = await signInAt(url, { network: network({ proxyRules: proxy.rules }) });
      expect(proxied).toMatchObject({ ok: true, value: { state: 'signed_in' } });
      expect(proxy.tunnels).toContain(`service.test:${front.port}`);
    } finally {
      await proxy.close();
    }
  });

  it('a host on the bypass list goes direct', async () => {
    const proxy = await startProxy();
    try {
      const answer = await signInAt(`https://service.test:${front.port}`, {
        network: network({ proxyRules: proxy.rules, proxyBypassRules: 'service.test' }),
      });
      expect(answer).toMatchObject({ ok: false, code: 'offline' });
      expect(proxy.tunnels).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that refuses the tunnel is named as the problem', async () => {
    const proxy = await startProxy(403);
    try {
      const answer = await signInAt(`https://service.test:${front.port}`, {
        network: network({ proxyRules: proxy.rules }),
      });
      expect(await shownFailure(answer)).toContain(
        `Cannot reach Hospital (service.test:${front.port}) through the proxy (net::ERR_TUNNEL_CONNECTION_FAILED)`,
      );
    } finally {
      await proxy.close();
    }
  });
});
