/**
 * Estimators that use a pre-exposure metric X beside the outcome Y.
 * CUPED (Deng, Xu, Kohavi and Walker 2013): Y - theta X per arm, theta = Cov(Y, X) / Var(X) pooled over the arms
 * (within-arm co-moments summed, so a treatment effect on Y cannot leak into theta); an arm's adjusted variance is
 * s_Y^2 + theta^2 s_X^2 - 2 theta s_XY. When the adjusted difference would not have a smaller variance than the plain
 * one (X uninformative, or no variance in X), the plain difference is reported instead and `applied` is false.
 * Difference-in-differences: the same difference of per-arm means of Y - X (theta fixed at 1), the pre/post view.
 * Both use Welch's t on the adjusted per-arm variances.
 */
import type { Estimate } from './estimate.js';
import { centeredCoMoment, covarianceOf, meanOf, varianceOf, type Moments } from './moments.js';
import { welchEstimate, type ArmSummary } from './welch.js';

export interface CupedResult {
  theta: number;
  /** False when the adjustment would not have reduced the variance and the plain difference is reported. */
  applied: boolean;
  /** 1 - adjusted variance / plain variance of the difference (0 when not applied). */
  varianceReduction: number;
  effect: Estimate;
}

/** An arm's mean and variance of Y - theta X. */
function adjustedArm(m: Moments, outcome: string, covariate: string, theta: number): ArmSummary {
  const variance = varianceOf(m, outcome) + theta * theta * varianceOf(m, covariate) - 2 * theta * covarianceOf(m, outcome, covariate);
  return { mean: meanOf(m, outcome) - theta * meanOf(m, covariate), variance: Math.max(0, variance), count: m.count };
}

const varianceOfDifference = (c: ArmSummary, t: ArmSummary): number => c.variance / c.count + t.variance / t.count;

/** CUPED-adjusted difference in means, treatment minus control; null when even the plain difference is undefined. */
export function cupedDifference(control: Moments, treatment: Moments, outcome: string, covariate: string, alpha: number): CupedResult | null {
  const plainC = adjustedArm(control, outcome, covariate, 0);
  const plainT = adjustedArm(treatment, outcome, covariate, 0);
  const plain = welchEstimate(plainC, plainT, alpha);
  if (!plain) return null;
  const sxx = centeredCoMoment(control, covariate, covariate) + centeredCoMoment(treatment, covariate, covariate);
  const theta = sxx > 0 ? (centeredCoMoment(control, outcome, covariate) + centeredCoMoment(treatment, outcome, covariate)) / sxx : 0;
  const adjC = adjustedArm(control, outcome, covariate, theta);
  const adjT = adjustedArm(treatment, outcome, covariate, theta);
  const reduction = 1 - varianceOfDifference(adjC, adjT) / varianceOfDifference(plainC, plainT);
  const adjusted = reduction > 0 ? welchEstimate(adjC, adjT, alpha) : null;
  if (!adjusted) return { theta: 0, applied: false, varianceReduction: 0, effect: plain };
  return { theta, applied: true, varianceReduction: reduction, effect: adjusted };
}

/** Difference-in-differences (mean(Y - X) in treatment minus in control); null below two units per arm. */
export function differenceInDifferences(control: Moments, treatment: Moments, outcome: string, preExposure: string, alpha: number): Estimate | null {
  return welchEstimate(adjustedArm(control, outcome, preExposure, 1), adjustedArm(treatment, outcome, preExposure, 1), alpha);
}
