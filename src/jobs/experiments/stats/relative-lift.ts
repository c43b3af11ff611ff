/**
 * Relative lift mu_T / mu_C - 1 with its delta-method variance
 *   Var(rel) = (s_T^2/n_T) / mu_C^2 + (s_C^2/n_C) * mu_T^2 / mu_C^4
 * (the arms are independent, so the covariance term of the ratio vanishes), on a normal reference.
 */
import { normalEstimate, type Estimate } from './estimate.js';
import type { Moments } from './moments.js';
import { armSummary } from './welch.js';

/** The relative lift of treatment over control; null below two units per arm, or when the control mean is 0. */
export function relativeLift(control: Moments, treatment: Moments, metric: string, alpha: number): Estimate | null {
  if (control.count < 2 || treatment.count < 2) return null;
  const c = armSummary(control, metric);
  const t = armSummary(treatment, metric);
  if (c.mean === 0) return null;
  const variance = t.variance / t.count / (c.mean * c.mean) + ((c.variance / c.count) * t.mean * t.mean) / c.mean ** 4;
  if (!(variance > 0)) return null;
  return normalEstimate(t.mean / c.mean - 1, Math.sqrt(variance), alpha);
}
