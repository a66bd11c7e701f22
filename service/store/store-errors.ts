/**
 * Why the store could not do what was asked, when the cause is the store and not the request:
 * the kinds of outage a request answers 503 for, readiness reports, and start-up names.
 */
export type StoreOutageKind =
  | 'unreachable'
  | 'connection_lost'
  | 'refused'
  | 'busy'
  | 'full'
  | 'read_only'
  | 'disk_error'
  | 'corrupt'
  | 'overloaded';

export interface StoreOutage {
  kind: StoreOutageKind;
  /** The driver's code (SQLITE_FULL, 57P01, ECONNREFUSED …) or, without one, the message's gist. */
  code: string;
  /** What the driver said; never holds a password (pg and SQLite name hosts and codes only). */
  detail: string;
}

/** For each kind: what is wrong, and what an operator does about it. */
export const OUTAGE_WORDS: Record<StoreOutageKind, { what: string; todo: string }> = {
  unreachable: {
    what: 'cannot be reached',
    todo: 'check that the database server runs and that its address is right',
  },
  connection_lost: {
    what: 'dropped the connection',
    todo: 'the service reconnects by itself once the database answers again',
  },
  refused: {
    what: 'refused the connection',
    todo: 'check the user, password and database name',
  },
  busy: {
    what: 'is busy (another process holds a lock on it too long)',
    todo: 'look for a long transaction or another program writing to it',
  },
  full: {
    what: 'is full (no room on its disk, or its size limit reached)',
    todo: 'free space on its disk',
  },
  read_only: {
    what: 'is read-only',
    todo: 'give the service write access (for SQLite: to the file and its folder, where it writes the -wal and -shm files), or point it at the primary rather than a replica',
  },
  disk_error: {
    what: 'reported a disk input/output error',
    todo: 'check the disk and the system log',
  },
  corrupt: {
    what: 'is not a database or is damaged',
    todo: 'restore it from a backup',
  },
  overloaded: {
    what: 'is out of memory or connections',
    todo: 'lower the number of service processes or raise the database server’s limits',
  },
};

// Node's socket errors while connecting, and pg's own messages for a connection that ended.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const PG_CLIENT_MESSAGES: Array<[RegExp, StoreOutageKind, string]> = [
  [/timeout exceeded when trying to connect|connection timeout/i, 'unreachable', 'connect_timeout'],
  [
    /Connection terminated|not queryable|Query read timeout/i,
    'connection_lost',
    'connection_ended',
  ],
];

/** SQLite's primary result codes (extended codes such as SQLITE_IOERR_WRITE share the prefix). */
const SQLITE_KINDS: Array<[string, StoreOutageKind]> = [
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_PROTOCOL', 'busy'],
  ['SQLITE_FULL', 'full'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_IOERR', 'disk_error'],
  ['SQLITE_CORRUPT', 'corrupt'],
  ['SQLITE_NOTADB', 'corrupt'],
  ['SQLITE_CANTOPEN', 'unreachable'],
  ['SQLITE_NOMEM', 'overloaded'],
];

/** PostgreSQL's SQLSTATE codes and classes (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
function postgresKind(sqlstate: string): StoreOutageKind | undefined {
  if (sqlstate === '53100') return 'full';
  if (sqlstate === '25006') return 'read_only';
  if (sqlstate === '58030') return 'disk_error';
  if (sqlstate === 'XX001' || sqlstate === 'XX002') return 'corrupt';
  if (sqlstate === '57P03') return 'unreachable';
  if (sqlstate === '3D000') return 'refused';
  if (sqlstate === '55P03' || sqlstate === '57014') return 'busy';
  if (sqlstate.startsWith('57P') || sqlstate.startsWith('08')) return 'connection_lost';
  if (sqlstate.startsWith('28')) return 'refused';
  if (sqlstate.startsWith('53')) return 'overloaded';
  return undefined;
}

function kindOfCode(code: string): StoreOutageKind | undefined {
  if (code.startsWith('SQLITE_'))
    return SQLITE_KINDS.find(([prefix]) => code.startsWith(prefix))?.[1];
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (LOST_CODES.has(code)) return 'connection_lost';
  return /^[0-9A-Z]{5}$/.test(code) ? postgresKind(code) : undefined;
}

/** The outage an error reports, or undefined when it is not the store's (a bug, a bad request). */
export function storeOutageOf(error: unknown): StoreOutage | undefined {
  if (!(error instanceof Error)) return undefined;
  const raw: unknown = (error as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  // Node's dual-stack connect reports ECONNREFUSED as an AggregateError without a message.
  const detail =
    error.message ||
    (error instanceof AggregateError ? String(error.errors[0] ?? code) : code || error.name);
  const kind = kindOfCode(code);
  if (kind) return { kind, code, detail };
  const cause = error.cause !== error ? storeOutageOf(error.cause) : undefined;
  if (cause) return cause;
  // pg's own errors for a connection that ended or never opened carry no code.
  const client = PG_CLIENT_MESSAGES.find(([pattern]) => pattern.test(error.message));
  return client ? { kind: client[1], code: client[2], detail } : undefined;
}

/** One line for a log or a readiness reason, e.g. "the store is full (SQLITE_FULL: database or disk is full)". */
export function describeOutage(outage: StoreOutage): string {
  const detail = outage.detail && outage.detail !== outage.code ? `: ${outage.detail}` : '';
  return `the store ${OUTAGE_WORDS[outage.kind].what} (${outage.code}${detail})`;
}
