const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** A moment as the agent reads it, in their own time zone; "—" when there is none. */
export const formatTime = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : dateTime.format(new Date(ms));

/** Hours, minutes and seconds only (a clipboard clearing, a code expiring). */
export const formatClock = (ms: number): string => clock.format(new Date(ms));

/** The machine-readable form for `<time dateTime>`. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

const count = new Intl.NumberFormat();

/** A count with thousands separators. */
export const formatCount = (n: number): string => count.format(n);

/** "1 session", "3 sessions". */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;
