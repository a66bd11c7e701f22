import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { CertificateFacts, ChainProblem } from '../common/ipc/network-failure.ts';

export type { CertificateFacts, ChainProblem };

// The extra certificate authorities IT may name in the machine configuration
// (network.caBundleFile, README "For IT"), and the facts about a server certificate the console
// tells in words when it refuses one. Chromium does the real verification; this module only
// answers "does this chain end at one of IT's authorities?" for a chain Chromium did not trust.

/** The slice of Electron's `Certificate` structure Latchkey reads. */
export interface ServerCertificate {
  /** PEM. */
  data: string;
  issuerName: string;
  subjectName: string;
  /** Seconds since 1970. */
  validStart: number;
  validExpiry: number;
  /** The next certificate of the chain the server sent; absent (or itself) at its end. */
  issuerCert?: ServerCertificate | null;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** A server chain longer than this is not followed (real ones have 2 to 4). */
const MAX_CHAIN = 8;

/** Every certificate of a PEM bundle; an error naming the one that does not parse. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0)
    throw new Error('holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new Error(`certificate ${i + 1} of ${blocks.length} is not a valid certificate`);
    }
  });
}

/** The chain the server sent, leaf first, as Node certificates. */
export function chainOf(certificate: ServerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let next: ServerCertificate | null | undefined = certificate;
  while (next && chain.length < MAX_CHAIN) {
    chain.push(new X509Certificate(next.data));
    if (next.issuerCert?.data === next.data) break;
    next = next.issuerCert;
  }
  return chain;
}

/** Why a chain is not trusted by IT's authorities, or null when it is. */

const validAt = (cert: X509Certificate, now: number) =>
  Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);

/** True when the certificate is for this host (subjectAltName only, as Chromium checks). */
export function isForHost(cert: X509Certificate, hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return cert.checkIP(bare) !== undefined;
  return cert.checkHost(bare, { subject: 'never' }) !== undefined;
}

const signedBy = (cert: X509Certificate, issuer: X509Certificate) =>
  issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/**
 * Checks a server chain against IT's authorities: the leaf is for `hostname`, every certificate
 * is within its dates, and each is signed by the next up to one of `anchors` (or is one of them,
 * for a certificate IT pinned). Name constraints and revocation are Chromium's business.
 */
export function chainProblem(
  chain: X509Certificate[],
  anchors: X509Certificate[],
  hostname: string,
  now: number,
): ChainProblem {
  const [leaf] = chain;
  if (!leaf) return 'untrusted';
  if (!isForHost(leaf, hostname)) return 'host';
  for (const [i, cert] of chain.entries()) {
    if (!validAt(cert, now)) return 'dates';
    if (anchors.some((a) => a.fingerprint256 === cert.fingerprint256)) return null;
    const anchor = anchors.find((a) => signedBy(cert, a));
    if (anchor) return validAt(anchor, now) ? null : 'dates';
    const issuer = chain[i + 1];
    if (!issuer || !signedBy(cert, issuer)) return 'untrusted';
  }
  return 'untrusted';
}

/** The facts of a certificate, for the words of a refusal and the log. */
export function factsOf(certificate: ServerCertificate): CertificateFacts {
  const cert = new X509Certificate(certificate.data);
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  return {
    subject: certificate.subjectName || cert.subject,
    issuer: certificate.issuerName || cert.issuer,
    validFrom: new Date(certificate.validStart * 1000).toISOString(),
    validTo: new Date(certificate.validExpiry * 1000).toISOString(),
    sha256: cert.fingerprint256,
    names,
  };
}

/** `CN=Hospital Root CA` of a bundle certificate, for the log and the About view. */
export const commonNameOf = (cert: X509Certificate): string =>
  /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ');
