const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Plain http is only for a service on this computer (R94: https everywhere else). */
export function insecureUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol !== 'https:' && !LOOPBACK.has(parsed.hostname);
}
