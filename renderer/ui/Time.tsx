import { formatTime, isoTime } from '../format/time.ts';

/** A `<time>` element with the agent's local rendering, or a dash. */
export function Time({ at }: { at: number | null | undefined }) {
  if (at === null || at === undefined) return <>—</>;
  return <time dateTime={isoTime(at)}>{formatTime(at)}</time>;
}
