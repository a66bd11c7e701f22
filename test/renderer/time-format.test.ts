import { beforeAll, describe, expect, it } from 'vitest';

// Issue 15: one time format in the console, the agent's zone named on every moment; the
// service's "14:32 UTC" summaries are told in that zone when the service gives the moment.

type TimeModule = typeof import('../../renderer/format/time.ts');
let time: TimeModule;

beforeAll(async () => {
  // The formatters take the zone when the module loads: set it first, then load.
  process.env.TZ = 'America/New_York';
  time = await import('../../renderer/format/time.ts');
});

const AT = Date.UTC(2026, 11, 7, 14, 32, 5);
const zoneOf = (ms: number) =>
  new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value;

describe('one time format with the zone', () => {
  it('a moment and a clock both name the agent’s zone, in local time', () => {
    const zone = zoneOf(AT);
    expect(zone).toBeTruthy();
    expect(time.formatTime(AT)).toContain(String(zone));
    expect(time.formatTime(AT)).toMatch(/09:32/);
    expect(time.formatTime(AT)).not.toContain('UTC');
    expect(time.formatClock(AT)).toContain(String(zone));
    expect(time.formatClock(AT)).toMatch(/09:32:05/);
    expect(time.formatTime(null)).toBe('—');
  });

  it('UTC as the emails say it, for the hover', () => {
    expect(time.utcTime(AT)).toBe('2026-12-07 14:32 UTC');
  });

  it('a service summary’s UTC time is told in the agent’s zone when the moment is given', () => {
    const summary = 'Reset email queued for p…@example.org, link valid until 14:32 UTC';
    expect(time.localSummary(summary, AT)).toBe(
      `Reset email queued for p…@example.org, link valid until ${time.formatTime(AT)}`,
    );
    expect(time.localSummary(summary, null)).toBe(summary);
    const dated = 'The link works until 2026-12-07 14:32 UTC, and only once.';
    expect(time.localSummary(dated, AT)).toBe(
      `The link works until ${time.formatTime(AT)}, and only once.`,
    );
  });
});
