/** True when an If-Match header (one ETag or a list; weak or strong) names this ETag (RFC 9110 §13.1.1). */
export function ifMatchNames(header: string, etag: string): boolean {
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
