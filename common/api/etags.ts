/** The ETag of an account view: its version (`"v<version>"`). */
export const etagOf = (version: number): string => `"v${version}"`;

/** The version an If-Match header names, or undefined when it is not one of ours. */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  const match = /^(?:W\/)?"v(\d+)"$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

/** True when an If-Match header (one ETag or a list; weak or strong) names this ETag (RFC 9110 §13.1.1). */
export function ifMatchNames(header: string, etag: string): boolean {
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
