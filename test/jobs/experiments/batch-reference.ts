/**
 * The batch computation the streaming experiment job is checked against, written directly over the events (no
 * accumulators): per user and experiment the first exposure (earliest ts), the outcomes of the user's events with
 * ts at or after it (and, per conversion window, with ts before the exposure's plus the window), then per arm plain arrays of values, and two-pass means, variances and covariances over them.
 */
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';

export interface UnitRow {
  user: string;
  arm: string;
  randomized: boolean;
  exposedAt: number;
  values: Record<string, number>;
}

const COVARIATES = ['highValue', 'engagement', 'tenureDays', 'pastSpend', 'preClicks'] as const;

function outcomesOf(after: readonly BehaviourEvent[]): Record<string, number> {
  const count = (type: string) => after.filter((e) => e.type === type).length;
  const purchases = after.filter((e) => e.type === 'purchase');
  return {
    views: count('view'),
    clicks: count('click'),
    carts: count('cart'),
    purchases: purchases.length,
    converted: purchases.length > 0 ? 1 : 0,
    revenue: purchases.reduce((t, e) => t + (e.price ?? 0) * (e.qty ?? 1), 0),
  };
}

/**
 * One row per exposed user per experiment. `windows` maps a suffix to a conversion window in ms: each outcome within
 * it is the value `outcome@suffix`.
 */
export function unitRows(events: readonly BehaviourEvent[], windows: Readonly<Record<string, number>> = {}): Map<string, UnitRow[]> {
  const byUser = new Map<string, BehaviourEvent[]>();
  for (const e of events) (byUser.get(e.userId) ?? byUser.set(e.userId, []).get(e.userId)!).push(e);
  const rows = new Map<string, UnitRow[]>();
  for (const [user, list] of byUser) {
    const firstExposure = new Map<string, BehaviourEvent>();
    for (const e of list) {
      if (e.type !== 'exposure') continue;
      const known = firstExposure.get(e.experiment!.id);
      if (!known || e.ts < known.ts) firstExposure.set(e.experiment!.id, e);
    }
    for (const [id, x] of firstExposure) {
      const after = list.filter((e) => e.type !== 'exposure' && e.ts >= x.ts).sort((a, b) => a.ts - b.ts);
      const values = outcomesOf(after);
      for (const [suffix, w] of Object.entries(windows)) {
        for (const [outcome, v] of Object.entries(outcomesOf(after.filter((e) => e.ts < x.ts + w)))) values[`${outcome}@${suffix}`] = v;
      }
      for (const c of COVARIATES) values[c] = Number(x.covariates![c]);
      (rows.get(id) ?? rows.set(id, []).get(id)!).push({ user, arm: x.experiment!.variant, randomized: x.experiment!.randomized, exposedAt: x.ts, values });
    }
  }
  return rows;
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Two-pass sample covariance. */
export function covariance(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  return xs.reduce((t, x, i) => t + (x - mx) * (ys[i]! - my), 0) / (xs.length - 1);
}

/** Welch's difference (treatment - control) and its standard error from raw values. */
export function welch(control: readonly number[], treatment: readonly number[]): { estimate: number; standardError: number } {
  return {
    estimate: mean(treatment) - mean(control),
    standardError: Math.sqrt(covariance(control, control) / control.length + covariance(treatment, treatment) / treatment.length),
  };
}

/** CUPED theta pooled within arms: sum of within-arm co-moments of (y, x) over those of (x, x). */
export function pooledTheta(arms: ReadonlyArray<{ y: number[]; x: number[] }>): number {
  const co = (a: number[], b: number[]) => covariance(a, b) * (a.length - 1);
  return arms.reduce((t, a) => t + co(a.y, a.x), 0) / arms.reduce((t, a) => t + co(a.x, a.x), 0);
}
