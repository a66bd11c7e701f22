// Every moment the console shows goes through these two formatters: the agent's own time zone,
// named, and the locale's own hour cycle, so no screen says "14:45 UTC" beside "2:45 PM" (issue 15).
const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});
const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** A moment as the agent reads it, in their own time zone, named; "—" when there is none. */
export const formatTime = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : dateTime.format(new Date(ms));

/** Hours, minutes and seconds with the zone (a clipboard clearing, a code expiring). */
export const formatClock = (ms: number): string => clock.format(new Date(ms));

/** The machine-readable form for `<time dateTime>`. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** The same moment in UTC, as the service's emails and logs give it. */
export const utcTime = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

// The service writes a time into a summary as "14:32 UTC" (service/domain/admin/actions).
const SERVICE_UTC = /\b(?:\d{4}-\d{2}-\d{2} )?\d{2}:\d{2} UTC\b/;

/**
 * A summary from the service with its UTC time told in the agent's zone, when the service also
 * gave the moment itself; without it the text stays as the service wrote it.
 */
export const localSummary = (summary: string, at: number | null | undefined): string =>
  at === null || at === undefined ? summary : summary.replace(SERVICE_UTC, formatTime(at));

const count = new Intl.NumberFormat();

/** A count with thousands separators. */
export const formatCount = (n: number): string => count.format(n);

/** "1 session", "3 sessions". */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;
