import { formatTime, localSummary } from '../../format/time.ts';
import { ROLE_NAMES } from '../actions/role-names.ts';
import { actionWords, passwordHowWords, verificationWords } from '../account/audit-words.ts';

/** Names the console already knows for ids an event's detail may hold. */
export interface KnownNames {
  /** Holder id → name (the open shared login's holders). */
  holders?: ReadonlyMap<string, string>;
  /** Organization id → name. */
  organizations?: ReadonlyMap<string, string>;
}

/** Codes the service writes as a failure's reason or a lock's trigger (lockout.ts, sign-in.ts). */
const REASONS: Record<string, string> = {
  wrong_password: 'wrong password',
  second_factor: 'wrong authenticator code',
  security_question: 'wrong security answer',
  unknown_account: 'no such account',
  disabled: 'account disabled',
  locked: 'account locked',
  expired: 'expired',
};

const VIA: Record<string, string> = {
  pages: 'the Log In pages',
  api: 'a product’s sign-in (API)',
  change_page: 'the change-password page',
};

const METHODS: Record<string, string> = {
  answer: 'security answer',
  email_code: 'emailed code',
};

const text = (v: unknown): string | null =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
const words = (table: Record<string, string>) => (v: unknown) =>
  typeof v === 'string' ? (table[v] ?? v.replace(/_/g, ' ')) : text(v);

type Field = (value: unknown, detail: Record<string, unknown>, names: KnownNames) => string | null;

/** The detail keys shown with a label, in this order; the value in words. */
const FIELDS: Array<[key: string, label: string, value: Field]> = [
  ['summary', 'Summary', (v, d) => (typeof v === 'string' ? localSummary(v, linkExpiry(d)) : null)],
  ['action', 'Action', (v) => actionWords(v)],
  // A failure's reason is a code; an administrator's is their own words, kept as typed.
  ['reason', 'Reason', (v) => (typeof v === 'string' ? (REASONS[v] ?? v) : text(v))],
  ['ticket', 'Ticket', text],
  ['verification', 'Caller verification', (v) => verificationWords(v) || null],
  ['method', 'Verification method', words(METHODS)],
  ['result', 'Result', words({ match: 'match', no_match: 'no match', sent: 'code sent' })],
  ['onBehalfOf', 'Holder', (v, _d, n) => named(v, n.holders, 'a holder')],
  ['role', 'Role', words(ROLE_NAMES)],
  [
    'roleOrganizationId',
    'In organization',
    (v, _d, n) =>
      v === null ? 'every organization' : named(v, n.organizations, 'an organization'),
  ],
  ['trigger', 'Triggered by', words(REASONS)],
  ['failedCount', 'Failed count', text],
  ['failures', 'Failures in the window', text],
  ['failuresFromIp', 'Failures from this address', text],
  ['via', 'Via', words(VIA)],
  [
    'until',
    'Locked until',
    (v) => (typeof v === 'number' ? formatTime(v) : 'an administrator unlocks it'),
  ],
  ['how', 'How', (v) => (typeof v === 'string' ? passwordHowWords(v) : null)],
  ['endedSessions', 'Sessions ended', text],
  ['revokedLinks', 'Reset links revoked', text],
  ['outcome', 'Outcome', words(REASONS)],
  ['kind', 'Email', words({})],
  ['attempts', 'Delivery attempts', text],
  ['purpose', 'Link purpose', words({})],
];

// Ids and moments told elsewhere (the summary, the heading): left to "Show raw".
const HIDDEN = new Set(['verificationId', 'mailId', 'linkExpiresAt']);
const LABELLED = new Set(FIELDS.map(([key]) => key));

function linkExpiry(detail: Record<string, unknown>): number | null {
  return typeof detail.linkExpiresAt === 'number' ? detail.linkExpiresAt : null;
}

function named(v: unknown, names: ReadonlyMap<string, string> | undefined, what: string) {
  if (typeof v !== 'string') return null;
  return names?.get(v) ?? `${what} the console cannot name`;
}

/** "failedCount" → "Failed count": a key the console has no words for yet. */
const labelOf = (key: string): string => {
  const spaced = key
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
};

/**
 * An event's detail as labelled fields in words (issue 15): the known keys in a fixed order,
 * then any other plain value under its own name; objects and ids stay behind "Show raw".
 */
export function detailFields(
  detail: Record<string, unknown>,
  names: KnownNames = {},
): Array<[label: string, value: string]> {
  const known = FIELDS.flatMap(([key, label, value]): Array<[string, string]> => {
    if (!(key in detail)) return [];
    const shown = value(detail[key], detail, names);
    return shown === null || shown === '' ? [] : [[label, shown]];
  });
  const other = Object.entries(detail).flatMap(([key, v]): Array<[string, string]> => {
    const shown = text(v);
    return LABELLED.has(key) || HIDDEN.has(key) || shown === null ? [] : [[labelOf(key), shown]];
  });
  return [...known, ...other];
}

/** Who acted, in words: a username when known, never a bare id (that is in "Show raw"). */
export function actorWords(actor: string, username: string | null): string {
  if (username) return username;
  if (actor === 'self') return 'the account holder';
  if (actor === 'system') return 'the system';
  return 'an account the console cannot name';
}
