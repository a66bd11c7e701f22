// The last guard before a line reaches the log file. Main never builds a log line from a token,
// password, answer, code or link (README "For IT", logs); this catches the shapes such a secret
// would have if a future line did, so it ends up as `[redacted]` instead.

const REDACTED = '[redacted]';

/** `name=value`, `name: value` and `"name":"value"` where the name says it is a secret. */
const SECRET_FIELD =
  /(["']?)\b([\w-]*(?:password|passwd|secret|token|answer|authorization|cookie|otp|totp|code|credential|api[-_]?key)[\w-]*)\1(\s*[:=]\s*)(?!\[redacted\])("[^"]*"|'[^']*'|[^\s,;)}\]]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** Three base64url parts: a JSON Web Token. */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
/** A URL's query and fragment (a reset link carries its token in either, or in the path). */
const URL_TAIL = /\b(https?:\/\/[^\s?#"'<>]+)[?#][^\s"'<>]*/gi;
/** A link to a page that carries a token in its path (`/reset/…`, `/invite/…`). */
const TOKEN_PATH = /\b(https?:\/\/[^\s/"'<>]+\/(?:reset|invite|verify|set-password)\/)[^\s"'<>]+/gi;
/** A long unbroken run of token characters (24 or more: 96 bits of hex, 144 of base64). */
const OPAQUE = /[A-Za-z0-9_+=-]{24,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Letters only, or a name-like run with dashes (`connection-created`): words, not secrets. */
const WORDY = /^[A-Za-z]+(?:[-_][A-Za-z]+)*$/;

/** The line with anything shaped like a secret replaced by `[redacted]`. */
export function redact(line: string): string {
  return line
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(TOKEN_PATH, (_m, base: string) => `${base}${REDACTED}`)
    .replace(URL_TAIL, (_m, base: string) => `${base}?${REDACTED}`)
    .replace(SECRET_FIELD, (_m, quote: string, name: string, sep: string) => {
      return `${quote}${name}${quote}${sep}${REDACTED}`;
    })
    .replace(OPAQUE, (run) => (UUID.test(run) || WORDY.test(run) ? run : REDACTED));
}
