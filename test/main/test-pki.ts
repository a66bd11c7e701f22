// A hospital's certificate authorities, made for one test file with the real `openssl` command:
// a root, an issuing CA under it, and server certificates the issuing CA signs (the server
// sends its certificate and the issuing CA's, as real servers do). Also a stranger's root, a
// certificate for another host and one that expired.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ServerIdentity {
  key: string;
  /** The server's certificate, then the issuing CA's (what it sends). */
  chain: string;
}

export interface TestPki {
  dir: string;
  /** The root as a PEM file (what IT names in network.caBundleFile). */
  rootFile: string;
  rootPem: string;
  /** Another authority's root, which signs nothing here. */
  strangerFile: string;
  /** For localhost, 127.0.0.1 and service.test. */
  server: ServerIdentity;
  /** For other.test only. */
  otherHost: ServerIdentity;
  /** For localhost, valid in January 2020 only. */
  expired: ServerIdentity;
}

const openssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function newKey(dir: string, name: string): string {
  openssl(dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    name,
  ]);
  return name;
}

function selfSignedRoot(dir: string, name: string, cn: string): void {
  const key = newKey(dir, `${name}.key`);
  // prettier-ignore
  openssl(dir, [
    'req', '-x509', '-key', key, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/** A certificate signed by `ca` with the given extensions. */
function signed(dir: string, name: string, cn: string, ca: string, extensions: string): void {
  const key = newKey(dir, `${name}.key`);
  openssl(dir, ['req', '-new', '-key', key, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  // prettier-ignore
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`,
    '-set_serial', `0x${Date.now().toString(16)}${name.length}`, '-days', '7',
    '-extfile', `${name}.ext`, '-out', `${name}.pem`,
  ]);
}

const SERVER_EXT = (names: string) =>
  `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${names}\n`;

/** A server certificate valid only in January 2020 (`openssl ca` sets both dates). */
function expiredServer(dir: string): void {
  const key = newKey(dir, 'expired.key');
  openssl(dir, ['req', '-new', '-key', key, '-out', 'expired.csr', '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  writeFileSync(
    path.join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = issuing',
      '[issuing]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'certificate = $dir/issuing.pem',
      'private_key = $dir/issuing.key',
      'default_md = sha256',
      'policy = any',
      'copy_extensions = none',
      'x509_extensions = server',
      '[any]',
      'commonName = supplied',
      '[server]',
      SERVER_EXT('DNS:localhost,IP:127.0.0.1'),
    ].join('\n'),
  );
  // prettier-ignore
  openssl(dir, [
    'ca', '-batch', '-config', 'ca.cnf', '-in', 'expired.csr', '-out', 'expired.pem', '-notext',
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z',
  ]);
}

const read = (dir: string, name: string) => readFileSync(path.join(dir, name), 'utf8');

const identity = (dir: string, name: string): ServerIdentity => ({
  key: read(dir, `${name}.key`),
  chain: read(dir, `${name}.pem`) + read(dir, 'issuing.pem'),
});

/** Makes the authorities and certificates in a fresh folder (about a second). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-pki-'));
  selfSignedRoot(dir, 'root', 'Latchkey Test Hospital Root CA');
  selfSignedRoot(dir, 'stranger', 'Somebody Else Root CA');
  signed(
    dir,
    'issuing',
    'Latchkey Test Issuing CA',
    'root',
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  signed(
    dir,
    'server',
    'localhost',
    'issuing',
    SERVER_EXT('DNS:localhost,DNS:service.test,IP:127.0.0.1'),
  );
  signed(dir, 'other', 'other.test', 'issuing', SERVER_EXT('DNS:other.test'));
  expiredServer(dir);
  return {
    dir,
    rootFile: path.join(dir, 'root.pem'),
    rootPem: read(dir, 'root.pem'),
    strangerFile: path.join(dir, 'stranger.pem'),
    server: identity(dir, 'server'),
    otherHost: identity(dir, 'other'),
    expired: identity(dir, 'expired'),
  };
}

/** An HTTPS server on 127.0.0.1 that passes every request on to `target` (an http:// service). */
export interface HttpsFront {
  port: number;
  /** Requests that reached it (a refused handshake never makes one). */
  requests: number;
  close(): Promise<void>;
}

export async function startHttpsFront(
  identity: ServerIdentity,
  target: string,
): Promise<HttpsFront> {
  const to = new URL(target);
  const front: HttpsFront = { port: 0, requests: 0, close: async () => undefined };
  const server = https.createServer({ key: identity.key, cert: identity.chain }, (req, res) => {
    front.requests += 1;
    const options = { host: to.hostname, port: to.port, path: req.url, method: req.method };
    const upstream = http.request({ ...options, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.port = (server.address() as AddressInfo).port;
  front.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return front;
}
