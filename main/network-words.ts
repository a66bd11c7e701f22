import type { CertificateFacts, ChainProblem } from './certificates.ts';

// A failed connection in words a helpdesk agent can read out to IT (issue 17): which host, which
// certificate, what is wrong with it and who can fix it. Chromium names the failure
// (`net::ERR_CERT_AUTHORITY_INVALID`); the certificate verifier remembered the certificate.

/** A certificate the console refused, as the verifier saw it. */
export interface RefusedCertificate {
  /** Chromium's verdict: `ERR_CERT_AUTHORITY_INVALID`, … */
  error: string;
  /** What the check against IT's extra authorities found, when there are any. */
  problem: ChainProblem;
  facts: CertificateFacts;
}

const NET_ERROR = /net::(ERR_[A-Z0-9_]+)/;

/** The Chromium error name in a failure or its causes (`ERR_CERT_DATE_INVALID`), if any. */
export function netErrorOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const found = NET_ERROR.exec(current.message)?.[1];
    if (found) return found;
    current = current.cause;
  }
  return undefined;
}

const isCertificateError = (name: string) =>
  name.startsWith('ERR_CERT') ||
  name.startsWith('ERR_SSL') ||
  name.startsWith('ERR_BAD_SSL') ||
  name === 'ERR_CERTIFICATE_TRANSPARENCY_REQUIRED';

const PROXY_ERRORS = new Set([
  'ERR_PROXY_CONNECTION_FAILED',
  'ERR_TUNNEL_CONNECTION_FAILED',
  'ERR_PROXY_AUTH_UNSUPPORTED',
  'ERR_PROXY_AUTH_REQUESTED',
  'ERR_PROXY_CERTIFICATE_INVALID',
  'ERR_PAC_SCRIPT_FAILED',
  'ERR_PAC_NOT_IN_DHCP',
  'ERR_MANDATORY_PROXY_CONFIGURATION_FAILED',
  'ERR_NO_SUPPORTED_PROXIES',
]);

const day = (iso: string) => iso.slice(0, 10);

/** What is wrong with the certificate, in a clause ("its certificate expired on …"). */
function certificateReason(refused: RefusedCertificate, host: string, now: number): string {
  const { facts } = refused;
  const problem =
    refused.problem ??
    (
      {
        ERR_CERT_COMMON_NAME_INVALID: 'host',
        ERR_CERT_DATE_INVALID: 'dates',
        ERR_CERT_AUTHORITY_INVALID: 'untrusted',
      } as Record<string, ChainProblem>
    )[refused.error] ??
    null;
  if (problem === 'host')
    return `its certificate is for ${facts.names.join(', ') || facts.subject}, not ${host}`;
  if (problem === 'dates')
    return Date.parse(facts.validTo) < now
      ? `its certificate expired on ${day(facts.validTo)}`
      : `its certificate is not valid before ${day(facts.validFrom)}`;
  if (problem === 'untrusted')
    return `its certificate was issued by “${facts.issuer}”, an authority this computer does not trust`;
  if (refused.error === 'ERR_CERT_REVOKED') return 'its certificate has been revoked';
  return 'its certificate is not acceptable';
}

/** What IT can do about it. */
function certificateAdvice(refused: RefusedCertificate | undefined): string {
  const untrusted =
    refused?.problem === 'untrusted' ||
    (!refused?.problem && refused?.error === 'ERR_CERT_AUTHORITY_INVALID');
  if (untrusted)
    return 'If your organization inspects secure connections, IT must install its authority’s certificate on this computer, or name it in the machine configuration (network.caBundleFile).';
  return 'Tell IT: the service’s certificate must be renewed or replaced.';
}

/** Where the console tried to go: the connection's name and its host. */
export interface Destination {
  name: string;
  /** `host` or `host:port`, as in the address. */
  host: string;
  /** The host without the port, as the certificate names it. */
  hostname: string;
}

/** A refused certificate in words: the host, what is wrong, which certificate, what to do. */
export function certificateWords(
  to: Destination,
  error: string,
  refused: RefusedCertificate | undefined,
  now: number = Date.now(),
): string {
  if (!refused)
    return `The console refused the secure connection to ${to.name} (${to.host}, net::${error}). ${certificateAdvice(undefined)} The console never connects without a valid certificate.`;
  const { facts } = refused;
  return [
    `The console refused ${to.name} (${to.host}): ${certificateReason(refused, to.hostname, now)}`,
    `(certificate “${facts.subject}” issued by “${facts.issuer}”, SHA-256 ${facts.sha256}; net::${error}).`,
    certificateAdvice(refused),
    'The console never connects without a valid certificate.',
  ].join(' ');
}

/** Words for a connection that failed before any answer (Chromium's error name given). */
export function networkFailureWords(
  to: Destination,
  error: string,
  refused: RefusedCertificate | undefined,
): string {
  if (isCertificateError(error)) return certificateWords(to, error, refused);
  if (PROXY_ERRORS.has(error))
    return `Cannot reach ${to.name} (${to.host}) through the proxy (net::${error}). Ask IT to check the proxy settings (the system’s, or network.proxy in the machine configuration).`;
  if (error === 'ERR_NAME_NOT_RESOLVED')
    return `Cannot find ${to.hostname}, the address of ${to.name} (net::${error}). Check the address, or the network and proxy settings.`;
  return `Cannot reach ${to.name} (${to.host}, net::${error}). Check the network or the address.`;
}
