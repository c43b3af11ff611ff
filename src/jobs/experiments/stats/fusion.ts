/**
 * Fusion of a randomized estimate with an observational one of the same effect.
 * Inverse-variance weighting: w_i = (1/se_i^2) / sum_j (1/se_j^2), fused = sum_i w_i estimate_i, fused se =
 * sqrt(1 / sum_j 1/se_j^2). Normal-normal Bayesian synthesis: the randomized estimate is the prior and the
 * observational one the likelihood, its variance inflated by a stated bias variance (observational estimates can be
 * biased by unmeasured confounding; with bias variance 0 the posterior equals the inverse-variance fusion).
 * The two disagree when |randomized - observational| > z_(1 - alpha/2) sqrt(se_R^2 + se_O^2); then fusing them is
 * questionable and a warning says so.
 */
import { normalQuantile, twoSidedNormalP } from './distributions.js';
import { normalEstimate, type Estimate } from './estimate.js';
import { posteriorEffect, type PosteriorEffect } from './bayesian.js';
import { StatsWarningCodes, type StatsWarning } from './warnings.js';

export interface SourceEstimate {
  estimate: number;
  standardError: number;
}

export interface Fusion {
  inverseVariance: Estimate & { randomizedWeight: number; observationalWeight: number };
  bayesian: PosteriorEffect & { observationalBiasVariance: number };
  /** Observational minus randomized, with the p-value of a difference that large under agreement. */
  disagreement: { difference: number; standardError: number; pValue: number };
  warnings: StatsWarning[];
}

export interface FusionOptions {
  alpha: number;
  /** Variance added to the observational estimate's in the Bayesian synthesis (default 0). */
  observationalBiasVariance?: number;
}

export function fuseEstimates(randomized: SourceEstimate, observational: SourceEstimate, options: FusionOptions): Fusion {
  const precisionR = 1 / randomized.standardError ** 2;
  const precisionO = 1 / observational.standardError ** 2;
  const precision = precisionR + precisionO;
  const fused = (randomized.estimate * precisionR + observational.estimate * precisionO) / precision;
  const biasVariance = options.observationalBiasVariance ?? 0;
  const prior = { mean: randomized.estimate, variance: randomized.standardError ** 2 };
  const bayesian = posteriorEffect(prior, observational.estimate, Math.sqrt(observational.standardError ** 2 + biasVariance), options.alpha);
  const difference = observational.estimate - randomized.estimate;
  const differenceSe = Math.sqrt(randomized.standardError ** 2 + observational.standardError ** 2);
  const warnings: StatsWarning[] = [];
  if (Math.abs(difference) > normalQuantile(1 - options.alpha / 2) * differenceSe) {
    warnings.push({
      code: StatsWarningCodes.ESTIMATES_DISAGREE,
      message: `randomized (${randomized.estimate.toPrecision(4)}) and observational (${observational.estimate.toPrecision(4)}) estimates differ by more than their combined error allows; the observational one is probably biased, so trust the randomized estimate`,
    });
  }
  return {
    inverseVariance: {
      ...normalEstimate(fused, Math.sqrt(1 / precision), options.alpha),
      randomizedWeight: precisionR / precision,
      observationalWeight: precisionO / precision,
    },
    bayesian: { ...bayesian, observationalBiasVariance: biasVariance },
    disagreement: { difference, standardError: differenceSe, pValue: twoSidedNormalP(difference / differenceSe) },
    warnings,
  };
}
