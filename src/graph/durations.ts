/** Durations in topologies: a number of milliseconds, or a string such as 250ms, 5s, 1.5m, 1h, 7d. */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_FORMS = 'a number of milliseconds, or a number with a unit: 250ms, 5s, 1m, 1h, 7d';

/** The duration in ms, or undefined when the value is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

/** The duration in whole ms when it is one and above 0, or undefined (for options that must be a positive period). */
export function parsePositiveDuration(value: unknown): number | undefined {
  const ms = parseDuration(value);
  return ms !== undefined && ms > 0 && Number.isInteger(ms) ? ms : undefined;
}
