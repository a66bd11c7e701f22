import { formatTime, isoTime, utcTime } from '../format/time.ts';

/** A `<time>` element in the agent's zone, named; hovering gives UTC, as the emails say it. */
export function Time({ at }: { at: number | null | undefined }) {
  if (at === null || at === undefined) return <>—</>;
  return (
    <time dateTime={isoTime(at)} title={utcTime(at)}>
      {formatTime(at)}
    </time>
  );
}
