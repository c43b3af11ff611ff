/**
 * The inverse-probability-weighted effect of an observational comparison: the difference of the arms' weighted
 * (Hajek) means, each with the linearized variance sum w^2 (y - mean)^2 / (sum w)^2. The variance treats the
 * propensities as known; estimating them lowers the true variance of the ATE (Hirano, Imbens and Ridder 2003), so
 * the interval is conservative there. Reported beside it: the naive unweighted difference, the mean stabilized
 * weight of each arm (about 1 when the propensity model is right; Cole and Hernan 2008), the balance and overlap
 * diagnostics, and their warnings.
 */
import { normalEstimate, type Estimate } from './estimate.js';
import { meanOf, squaredWeightCoMoment, type Moments } from './moments.js';
import { covariateBalance, overlapDiagnostics, type CovariateBalance, type OverlapDiagnostics } from './balance.js';
import type { ObservationalArm, WeightingConfig } from './observational-arm.js';
import { differenceInMeans } from './welch.js';
import type { StatsWarning } from './warnings.js';

export interface WeightingEstimate {
  estimand: WeightingConfig['estimand'];
  clip: readonly [number, number];
  effect: Estimate;
  /** The unweighted difference of the same arms, to show what the weighting changed. */
  naive: Estimate | null;
  meanStabilizedWeight: { control: number; treated: number };
  balance: CovariateBalance[];
  overlap: OverlapDiagnostics;
  warnings: StatsWarning[];
}

function hajekVariance(m: Moments, outcome: string): number {
  return squaredWeightCoMoment(m, outcome, outcome) / (m.weight * m.weight);
}

/** The weighting estimate of treated minus control; null below two units per arm or without outcome variance. */
export function weightingEstimate(
  control: ObservationalArm,
  treated: ObservationalArm,
  outcome: string,
  covariates: readonly string[],
  config: WeightingConfig,
  alpha: number,
): WeightingEstimate | null {
  if (control.raw.count < 2 || treated.raw.count < 2) return null;
  const variance = hajekVariance(control.weighted, outcome) + hajekVariance(treated.weighted, outcome);
  if (!(variance > 0)) return null;
  const effect = normalEstimate(meanOf(treated.weighted, outcome) - meanOf(control.weighted, outcome), Math.sqrt(variance), alpha);
  // The stabilized weights' arm totals divided by the arm counts: ATE scales by n_arm / N, ATT controls by n_C / n_T.
  const target = config.estimand === 'ate' ? control.raw.count + treated.raw.count : treated.raw.count;
  const { balance, warnings: balanceWarnings } = covariateBalance(control, treated, covariates);
  const { overlap, warnings: overlapWarnings } = overlapDiagnostics(control, treated, config.estimand);
  return {
    estimand: config.estimand,
    clip: config.clip,
    effect,
    naive: differenceInMeans(control.raw, treated.raw, outcome, alpha),
    meanStabilizedWeight: { control: control.weighted.weight / target, treated: treated.weighted.weight / target },
    balance,
    overlap,
    warnings: [...balanceWarnings, ...overlapWarnings],
  };
}
