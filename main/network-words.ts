// Chromium names a failed request's cause in its message (`net::ERR_CERT_AUTHORITY_INVALID`),
// sometimes in a cause of the error main sees. The words are common/ipc/network-failure.ts's.

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
