// The network half of the fake Electron `Session` (fake-electron.ts): `fetch`, `setProxy` and
// `setCertificateVerifyProc`, emulated with Node's undici over real sockets so main's network code
// meets real TLS servers and a real proxy. What it stands in for (Chromium's stack):
//   - trust: the "operating system's store" is `systemRoots` (Node's bundled roots unless a test
//     adds one); an untrusted chain is ERR_CERT_AUTHORITY_INVALID, a name mismatch
//     ERR_CERT_COMMON_NAME_INVALID, dates ERR_CERT_DATE_INVALID, in Chromium's order;
//   - the verify proc is asked on every handshake with Electron's request shape, and its answer
//     (0 accept, -2 refuse, -3 Chromium's verdict) decides;
//   - proxies: `system` and `direct` connect directly; `fixed_servers` with one `[http://]host:port`
//     tunnels through it with CONNECT, except loopback hosts (Chromium's implicit bypass) and the
//     bypass list's names; PAC and auto-detection are not emulated (only a real Electron run
//     proves them, README "For IT");
//   - failures reject with Electron's `Error('net::ERR_…')`.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Agent } from 'undici';
import type {
  CertificateVerifyRequest,
  NetSessionLike,
  ProxyConfig,
} from '../../main/api-network.ts';
import type { ServerCertificate } from '../../main/certificates.ts';

type VerifyProc = Parameters<NetSessionLike['setCertificateVerifyProc']>[0];
type Callback = (...args: [null, net.Socket] | [Error, null]) => void;

const netError = (name: string) => new Error(`net::${name}`);

/** Node's socket errors as Chromium names them. */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'ERR_CONNECTION_REFUSED',
  ENOTFOUND: 'ERR_NAME_NOT_RESOLVED',
  EAI_AGAIN: 'ERR_NAME_NOT_RESOLVED',
  ECONNRESET: 'ERR_CONNECTION_RESET',
  ETIMEDOUT: 'ERR_CONNECTION_TIMED_OUT',
};

const DATE_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

const isLoopback = (host: string) =>
  host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';

/** A peer certificate chain in Electron's `Certificate` shape. */
function electronCertificate(peer: tls.DetailedPeerCertificate, depth = 0): ServerCertificate {
  const x509 = new X509Certificate(peer.raw);
  const issuer = peer.issuerCertificate;
  const selfIssued = !issuer || issuer === peer || issuer.fingerprint256 === peer.fingerprint256;
  return {
    data: x509.toString(),
    subjectName: String(peer.subject?.CN ?? ''),
    issuerName: String(peer.issuer?.CN ?? ''),
    validStart: Date.parse(peer.valid_from) / 1000,
    validExpiry: Date.parse(peer.valid_to) / 1000,
    issuerCert: selfIssued || depth > 6 ? null : electronCertificate(issuer, depth + 1),
  };
}

export class FakeNetSession implements NetSessionLike {
  proxy: ProxyConfig = { mode: 'system' };
  verifyProc: VerifyProc = null;
  /** The authorities this fake computer's "operating system" trusts. */
  systemRoots: string[] = [...tls.rootCertificates];
  /** Every handshake's verdict before the verify proc, for tests to read. */
  readonly verdicts: Array<{ hostname: string; errorCode: number }> = [];
  private agent: Agent | undefined;

  async setProxy(config: ProxyConfig): Promise<void> {
    if (config.mode === 'pac_script' || config.mode === 'auto_detect')
      throw new Error(`the fake session does not emulate ${config.mode}`);
    this.proxy = { ...config };
    await this.close();
  }

  setCertificateVerifyProc(proc: VerifyProc): void {
    this.verifyProc = proc;
  }

  async fetch(input: string | Request, init?: RequestInit): Promise<Response> {
    const { fetch, Agent } = await import('undici');
    this.agent ??= new Agent({ connect: (o, callback) => this.connect(o, callback as Callback) });
    const request = new Request(input, init);
    // A body that streams (the import's file) is sent as it is read, as Chromium sends it.
    const streamed = (init as { duplex?: string } | undefined)?.duplex === 'half';
    const body = !request.body ? undefined : streamed ? request.body : await request.arrayBuffer();
    try {
      const answer = await fetch(request.url, {
        method: request.method,
        headers: [...request.headers],
        body,
        ...(streamed ? { duplex: 'half' as const } : {}),
        redirect: request.redirect,
        signal: request.signal,
        dispatcher: this.agent,
      });
      return new Response(answer.body as ReadableStream | null, {
        status: answer.status,
        statusText: answer.statusText,
        headers: [...answer.headers],
      });
    } catch (error) {
      // Electron rejects with the net error itself, not a TypeError around it.
      const cause = (error as Error).cause;
      if (cause instanceof Error && cause.message.startsWith('net::')) throw cause;
      throw error;
    }
  }

  /** Closes pooled connections (tests call it when done). */
  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = undefined;
    await agent?.close();
  }

  private connect(
    o: { hostname: string; protocol: string; port: string },
    callback: Callback,
  ): void {
    const host = o.hostname.replace(/^\[|\]$/g, '');
    const port = Number(o.port) || (o.protocol === 'https:' ? 443 : 80);
    const socket = Promise.resolve(host).then((target) => {
      const proxy = this.proxyFor(target);
      return proxy ? tunnel(proxy, target, port) : direct(target, port);
    });
    socket
      .then((plain): net.Socket | Promise<net.Socket> =>
        o.protocol === 'https:' ? this.secure(plain, host) : plain,
      )
      .then(
        (ready) => callback(null, ready),
        (error: Error) => callback(error, null),
      );
  }

  /** The proxy a host is reached through, or null for a direct connection. */
  private proxyFor(host: string): { host: string; port: number } | null {
    if (this.proxy.mode !== 'fixed_servers' || isLoopback(host)) return null;
    const bypass = (this.proxy.proxyBypassRules ?? '').split(/[,;]/).map((r) => r.trim());
    if (
      bypass.some(
        (rule) =>
          rule && (rule === host || (rule.startsWith('*.') && host.endsWith(rule.slice(1)))),
      )
    )
      return null;
    const match = /^(?:http:\/\/)?([^:/;=]+):(\d+)$/.exec(this.proxy.proxyRules ?? '');
    if (!match)
      throw new Error(`the fake session does not emulate proxy rules ${this.proxy.proxyRules}`);
    return { host: match[1] as string, port: Number(match[2]) };
  }

  /** TLS over the socket, judged as Chromium would, then by the verify proc. */
  private secure(plain: net.Socket, host: string): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        socket: plain,
        servername: net.isIP(host) ? undefined : host,
        ca: this.systemRoots,
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
      socket.once('error', () => reject(netError('ERR_SSL_PROTOCOL_ERROR')));
      socket.once('secureConnect', () => {
        const peer = socket.getPeerCertificate(true);
        const errorCode = this.verdictOf(socket, host, peer);
        this.verdicts.push({ hostname: host, errorCode });
        const decide = (result: number) => {
          const code = result === -3 ? errorCode : result === 0 ? 0 : -2;
          if (code === 0) return resolve(socket);
          socket.destroy();
          reject(netError(NAMES[code] ?? 'ERR_FAILED'));
        };
        if (!this.verifyProc) return decide(-3);
        const request: CertificateVerifyRequest = {
          hostname: host,
          certificate: electronCertificate(peer),
          verificationResult: `net::${errorCode === 0 ? 'OK' : NAMES[errorCode]}`,
          errorCode,
        };
        this.verifyProc(request, decide);
      });
    });
  }

  /** Chromium's verdict: an untrusted authority first, then the name, then the dates. */
  private verdictOf(socket: tls.TLSSocket, host: string, peer: tls.PeerCertificate): number {
    // Node reports a name mismatch of a trusted chain as ERR_TLS_CERT_ALTNAME_INVALID.
    const reported = socket.authorizationError ? String(socket.authorizationError) : null;
    const failure = reported === 'ERR_TLS_CERT_ALTNAME_INVALID' ? null : reported;
    if (failure && !DATE_ERRORS.has(failure)) return -202;
    if (tls.checkServerIdentity(host, peer)) return -200;
    if (failure) return -201;
    return 0;
  }
}

const NAMES: Record<number, string> = {
  [-2]: 'ERR_FAILED',
  [-200]: 'ERR_CERT_COMMON_NAME_INVALID',
  [-201]: 'ERR_CERT_DATE_INVALID',
  [-202]: 'ERR_CERT_AUTHORITY_INVALID',
};

function direct(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(netError(SOCKET_ERRORS[error.code ?? ''] ?? 'ERR_CONNECTION_FAILED')),
    );
  });
}

/** A CONNECT tunnel through an HTTP proxy. */
function tunnel(
  proxy: { host: string; port: number },
  host: string,
  port: number,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy);
    socket.once('error', () => reject(netError('ERR_PROXY_CONNECTION_FAILED')));
    socket.once('connect', () => {
      const target = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      let head = '';
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        if (!/^HTTP\/1\.[01] 200/.test(head)) {
          socket.destroy();
          return reject(netError('ERR_TUNNEL_CONNECTION_FAILED'));
        }
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length) socket.unshift(rest);
        resolve(socket);
      };
      socket.on('data', onData);
    });
  });
}
