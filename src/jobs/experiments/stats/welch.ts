/**
 * Difference in means between two independent arms with Welch's t: the standard error sqrt(s_T^2/n_T + s_C^2/n_C)
 * and the Welch-Satterthwaite degrees of freedom (v_T + v_C)^2 / (v_T^2/(n_T - 1) + v_C^2/(n_C - 1)), v = s^2/n.
 * The arm-level form is shared by the estimators that difference adjusted per-arm means (CUPED, pre/post).
 */
import { studentTEstimate, type Estimate } from './estimate.js';
import { meanOf, varianceOf, type Moments } from './moments.js';

/** What Welch's t needs from one arm: a mean, the unit-level variance around it and the number of units. */
export interface ArmSummary {
  mean: number;
  variance: number;
  count: number;
}

/** Mean and unbiased variance of one variable of an arm. */
export function armSummary(m: Moments, name: string): ArmSummary {
  return { mean: meanOf(m, name), variance: varianceOf(m, name), count: m.count };
}

/** Welch's estimate of treatment.mean - control.mean; null below two units per arm or when both variances are 0. */
export function welchEstimate(control: ArmSummary, treatment: ArmSummary, alpha: number): Estimate | null {
  if (control.count < 2 || treatment.count < 2) return null;
  const vc = control.variance / control.count;
  const vt = treatment.variance / treatment.count;
  const v = vc + vt;
  if (!(v > 0)) return null;
  const df = (v * v) / ((vc * vc) / (control.count - 1) + (vt * vt) / (treatment.count - 1));
  return studentTEstimate(treatment.mean - control.mean, Math.sqrt(v), df, alpha);
}

/** Welch's difference in means of one metric, treatment minus control. */
export function differenceInMeans(control: Moments, treatment: Moments, metric: string, alpha: number): Estimate | null {
  return welchEstimate(armSummary(control, metric), armSummary(treatment, metric), alpha);
}
