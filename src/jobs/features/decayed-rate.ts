/**
 * Popularity trend in event time: exponentially decayed event counts C(T) = sum over events of exp(-(T - ts) / tau),
 * with tau = halfLife / ln 2, kept for a short and a long half-life. For a steady rate r per ms since a key was first
 * seen, age ago, C = r * tau * (1 - exp(-age / tau)), so C / (tau * (1 - exp(-age / tau))) estimates the recent rate
 * without the start-up bias of a key younger than the half-life; the trend is the short rate over the long rate
 * (above 1: rising).
 */

const HOUR = 3_600_000;

export interface DecayedCounts {
  short: number;
  long: number;
  /** The time the sums are as of. */
  at: number;
}

export function emptyDecay(at: number): DecayedCounts {
  return { short: 0, long: 0, at };
}

const tauOf = (halfLife: number): number => halfLife / Math.LN2;

/** Moves the sums forward to `at` and adds the events at `times` (each ts <= at). */
export function advanceDecay(d: DecayedCounts, at: number, times: readonly number[], halfLives: { short: number; long: number }): DecayedCounts {
  const [ts, tl] = [tauOf(halfLives.short), tauOf(halfLives.long)];
  let short = d.short * Math.exp(-(at - d.at) / ts);
  let long = d.long * Math.exp(-(at - d.at) / tl);
  for (const t of times) {
    short += Math.exp(-(at - t) / ts);
    long += Math.exp(-(at - t) / tl);
  }
  return { short, long, at };
}

const rate = (sum: number, halfLife: number, age: number): number => {
  const tau = tauOf(halfLife);
  return (sum / (tau * -Math.expm1(-age / tau))) * HOUR;
};

/** Events per hour by the short and long sums of a key first seen `age` ms ago (> 0), and their ratio (null when the long rate is 0). */
export function decayedRates(
  d: DecayedCounts,
  halfLives: { short: number; long: number },
  age: number,
): { shortRate: number; longRate: number; trend: number | null } {
  const shortRate = rate(d.short, halfLives.short, age);
  const longRate = rate(d.long, halfLives.long, age);
  return { shortRate, longRate, trend: longRate > 0 ? shortRate / longRate : null };
}
