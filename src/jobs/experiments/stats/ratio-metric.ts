/**
 * Ratio metrics whose unit is not the randomization unit (revenue per session, clicks per view): per arm
 * R = mean(num) / mean(den) over users, with the delta-method variance (Deng, Knoblich and Lu 2018, "Applying the
 * Delta Method in Metric Analytics", eq. 3)
 *   Var(R) = (Var(num) - 2 R Cov(num, den) + R^2 Var(den)) / (n mean(den)^2),
 * which keeps the correlation between a user's sessions; the difference of two arms' ratios is then normal.
 */
import { normalEstimate, type Estimate } from './estimate.js';
import { covarianceOf, meanOf, varianceOf, type Moments } from './moments.js';

export interface RatioMetric {
  ratio: number;
  /** Delta-method variance of the ratio estimate. */
  variance: number;
}

/** One arm's ratio and its variance; null below two units or with a zero mean denominator. */
export function ratioOf(m: Moments, numerator: string, denominator: string): RatioMetric | null {
  if (m.count < 2) return null;
  const mn = meanOf(m, numerator);
  const md = meanOf(m, denominator);
  if (md === 0) return null;
  const ratio = mn / md;
  const unit = varianceOf(m, numerator) - 2 * ratio * covarianceOf(m, numerator, denominator) + ratio * ratio * varianceOf(m, denominator);
  return { ratio, variance: Math.max(0, unit) / (m.count * md * md) };
}

/** Treatment ratio minus control ratio. */
export function ratioDifference(control: Moments, treatment: Moments, numerator: string, denominator: string, alpha: number): Estimate | null {
  const c = ratioOf(control, numerator, denominator);
  const t = ratioOf(treatment, numerator, denominator);
  if (!c || !t || !(c.variance + t.variance > 0)) return null;
  return normalEstimate(t.ratio - c.ratio, Math.sqrt(c.variance + t.variance), alpha);
}
