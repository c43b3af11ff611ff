/**
 * Durations in topologies: a number of milliseconds, or a string such as 250ms, 5s, 1.5m, 1h, 7d. Every duration is
 * at most MAX_DURATION_MS (3650 days): event time in ms plus such a span stays an exact integer in a double.
 * Durations that set a wall-clock timer are further held to MAX_TIMER_MS, the longest delay Node's timers keep
 * (a longer one fires at once).
 */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const MAX_DURATION_MS = 3650 * UNITS.d!;

/** 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const DURATION_FORMS = 'a number of milliseconds, or a number with a unit: 250ms, 5s, 1m, 1h, 7d; at most 3650d';

/** The duration in ms, or undefined when the value is not a duration (or longer than MAX_DURATION_MS). */
export function parseDuration(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else {
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value) : null;
    if (!m) return undefined;
    ms = Math.round(Number(m[1]) * UNITS[m[2]!]!);
  }
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** A duration as written in messages: whole days, hours, minutes or seconds where exact, else ms. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms % UNITS[unit]! === 0 && ms >= UNITS[unit]!) return `${ms / UNITS[unit]!}${unit}`;
  return `${ms}ms`;
}

/** The duration in whole ms when it is one and above 0, or undefined (for options that must be a positive period). */
export function parsePositiveDuration(value: unknown): number | undefined {
  const ms = parseDuration(value);
  return ms !== undefined && ms > 0 && Number.isInteger(ms) ? ms : undefined;
}
