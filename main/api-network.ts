import type { X509Certificate } from 'node:crypto';
import {
  chainOf,
  chainProblem,
  factsOf,
  type ChainProblem,
  type ServerCertificate,
} from './certificates.ts';
import { proxyWords, type ProxySetting } from '../common/ipc/installation-contract.ts';
import type { Log } from './log.ts';
import type { NetworkFailure, RefusedCertificate } from '../common/ipc/network-failure.ts';
import { netErrorOf } from './network-words.ts';

// Every request main makes goes through Chromium's network stack (Electron's `session.fetch`),
// so the system proxy, PAC/WPAD and the operating system's certificate store apply, as in the
// hospital's browsers (issue 17). The machine configuration may add a proxy override and extra
// certificate authorities; nothing here ever accepts a certificate Chromium and IT both refuse.

/** Chromium's proxy settings (Electron's `ProxyConfig`). */
export type ProxyConfig = ProxySetting;

/** What Chromium asks a certificate verify proc (Electron's `Request` of setCertificateVerifyProc). */
export interface CertificateVerifyRequest {
  hostname: string;
  certificate: ServerCertificate;
  /** `net::OK`, `net::ERR_CERT_AUTHORITY_INVALID`, … */
  verificationResult: string;
  /** 0, or Chromium's net error (-202 for an untrusted authority). */
  errorCode: number;
}
type VerifyProc = (request: CertificateVerifyRequest, callback: (result: number) => void) => void;

/** The slice of an Electron `Session` the console's network uses. */
export interface NetSessionLike {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
  setProxy(config: ProxyConfig): Promise<void>;
  setCertificateVerifyProc(proc: VerifyProc | null): void;
}

/** The network settings of the machine configuration (README "For IT", network). */
export interface NetworkSettings {
  proxy?: ProxyConfig;
  /** IT's extra authorities, trusted besides the operating system's store. */
  authorities?: X509Certificate[];
}

/** What the account clients use: Chromium's fetch, and words for a failure. */
export interface ApiNetwork {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /**
   * What became of a request to `name` at `url` that got no answer (refused certificate, proxy,
   * DNS, refused connection), as data; undefined when Chromium named no network error.
   */
  explain(error: unknown, url: string, name: string): NetworkFailure | undefined;
}

/** Electron's verify-proc answers. */
const ACCEPT = 0;
const USE_CHROMIUM_RESULT = -3;
/** net::ERR_CERT_AUTHORITY_INVALID: the only verdict IT's authorities may turn into a yes. */
const AUTHORITY_INVALID = -202;
/** Remembered refusals are few (one per host); a bound keeps a scan of many hosts from growing it. */
const MAX_REMEMBERED = 64;

/** One key per host however it is written (`[::1]` and `::1`, any case). */
const hostKey = (hostname: string) => hostname.toLowerCase().replace(/^\[|\]$/g, '');

const errorName = (request: CertificateVerifyRequest) =>
  request.verificationResult.replace(/^net::/, '') || `error ${request.errorCode}`;

/**
 * The certificate verify proc: Chromium's verdict stands, except that an untrusted-authority
 * verdict becomes a yes when the chain checks out against IT's authorities. Every refusal is
 * remembered (host → certificate facts) so the failure can be told in words.
 */
function verifier(
  authorities: X509Certificate[],
  refusals: Map<string, RefusedCertificate>,
  log: Log,
  now: () => number,
): VerifyProc {
  return (request, callback) => {
    const host = hostKey(request.hostname);
    if (request.errorCode === 0) {
      refusals.delete(host);
      return callback(USE_CHROMIUM_RESULT);
    }
    let problem: ChainProblem = null;
    let refused: RefusedCertificate;
    try {
      if (authorities.length > 0 && request.errorCode === AUTHORITY_INVALID) {
        problem = chainProblem(chainOf(request.certificate), authorities, host, now());
        if (problem === null) {
          refusals.delete(host);
          log.debug(`${host}: certificate accepted by an authority of network.caBundleFile`);
          return callback(ACCEPT);
        }
      }
      refused = { error: errorName(request), problem, facts: factsOf(request.certificate) };
    } catch {
      // A certificate we cannot read is never accepted: Chromium's refusal stands.
      return callback(USE_CHROMIUM_RESULT);
    }
    if (refusals.size >= MAX_REMEMBERED) refusals.delete(refusals.keys().next().value ?? '');
    refusals.set(host, refused);
    log.warn(
      `${host}: certificate refused (${refused.error}${problem ? `, ${problem}` : ''}): “${refused.facts.subject}” issued by “${refused.facts.issuer}”, SHA-256 ${refused.facts.sha256}`,
    );
    callback(USE_CHROMIUM_RESULT);
  };
}

export interface ApiNetworkOptions {
  log: Log;
  now?: () => number;
}

/**
 * Applies the machine's network settings to a session and answers its fetch. The proxy is set
 * before the first request leaves (each request waits for it), and the verify proc is in place
 * at once. Used for the account services' session and for electron-updater's.
 */
export function createApiNetwork(
  session: NetSessionLike,
  settings: NetworkSettings,
  o: ApiNetworkOptions,
): ApiNetwork {
  const refusals = new Map<string, RefusedCertificate>();
  const authorities = settings.authorities ?? [];
  session.setCertificateVerifyProc(verifier(authorities, refusals, o.log, o.now ?? Date.now));
  const proxy = settings.proxy ?? { mode: 'system' };
  const ready = session.setProxy(proxy).then(
    () => o.log.info(`requests go through ${proxyWords(proxy)}`),
    (error: unknown) => {
      // Not silently direct: a proxy IT set that cannot be applied stops every request.
      o.log.error(`the proxy settings could not be applied (${(error as Error)?.message})`);
      throw new Error('net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED');
    },
  );
  ready.catch(() => undefined);
  return {
    fetch: async (input, init) => {
      await ready;
      return session.fetch(input instanceof URL ? input.href : input, init);
    },
    explain: (error, url, name) => {
      const netError = netErrorOf(error);
      if (!netError) return undefined;
      const { host, hostname } = new URL(url);
      const to = { name, host, hostname: hostKey(hostname) };
      const refused = refusals.get(to.hostname);
      return { to, error: netError, ...(refused ? { refused } : {}) };
    },
  };
}
