import { z } from 'zod';

// A connection that failed before any answer (issue 17), as data main sends with an `offline`
// failure, and in words a helpdesk agent can read out to IT: which host, which certificate, what
// is wrong with it and who can fix it. Main's log line and the renderer's notice say it alike.

/** What the console says about a certificate it refused: enough for IT to find it. */
export const CertificateFactsSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  /** ISO dates. */
  validFrom: z.string(),
  validTo: z.string(),
  /** SHA-256 of the certificate, as `AB:CD:…`, what certificate viewers show. */
  sha256: z.string(),
  /** The names the certificate is for (its subjectAltName DNS names and addresses). */
  names: z.array(z.string()),
});
export type CertificateFacts = z.infer<typeof CertificateFactsSchema>;

/** What the check against IT's extra authorities found wrong (null: nothing, or not checked). */
export const ChainProblemSchema = z.enum(['host', 'dates', 'untrusted']).nullable();
export type ChainProblem = z.infer<typeof ChainProblemSchema>;

/** A certificate the console refused, as the verifier saw it. */
export const RefusedCertificateSchema = z.object({
  /** Chromium's verdict: `ERR_CERT_AUTHORITY_INVALID`, … */
  error: z.string(),
  problem: ChainProblemSchema,
  facts: CertificateFactsSchema,
});
export type RefusedCertificate = z.infer<typeof RefusedCertificateSchema>;

/** Where the console tried to go: the connection's name and its host. */
export const DestinationSchema = z.object({
  name: z.string(),
  /** `host` or `host:port`, as in the address. */
  host: z.string(),
  /** The host without the port, as the certificate names it. */
  hostname: z.string(),
});
export type Destination = z.infer<typeof DestinationSchema>;

/** A request that got no answer: where to, Chromium's error name, the refused certificate if any. */
export const NetworkFailureSchema = z.object({
  to: DestinationSchema,
  /** `ERR_CERT_DATE_INVALID`, `ERR_NAME_NOT_RESOLVED`, … */
  error: z.string(),
  refused: RefusedCertificateSchema.optional(),
});
export type NetworkFailure = z.infer<typeof NetworkFailureSchema>;

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

function failureWords(
  to: Destination,
  error: string,
  refused: RefusedCertificate | undefined,
  now: number,
): string {
  if (isCertificateError(error)) return certificateWords(to, error, refused, now);
  if (PROXY_ERRORS.has(error))
    return `Cannot reach ${to.name} (${to.host}) through the proxy (net::${error}). Ask IT to check the proxy settings (the system’s, or network.proxy in the machine configuration).`;
  if (error === 'ERR_NAME_NOT_RESOLVED')
    return `Cannot find ${to.hostname}, the address of ${to.name} (net::${error}). Check the address, or the network and proxy settings.`;
  return `Cannot reach ${to.name} (${to.host}, net::${error}). Check the network or the address.`;
}

/** A network failure in words. */
export const networkFailureWords = (failure: NetworkFailure, now: number = Date.now()): string =>
  failureWords(failure.to, failure.error, failure.refused, now);
