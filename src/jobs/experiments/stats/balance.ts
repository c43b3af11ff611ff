/**
 * Diagnostics of an observational comparison, which the weighting estimate is only as good as.
 * Covariate balance: the standardized mean difference (mean_T - mean_C) / sqrt((s_T^2 + s_C^2) / 2) of each
 * covariate before weighting and after (weighted means), both over the same unweighted pooled standard deviation so
 * the two are comparable (the default of R's cobalt; Austin and Stuart 2015). |SMD| above 0.1 (Austin 2009) is
 * flagged before weighting (the arms differ: the naive difference is confounded, only the weighted estimate can be
 * read) and after weighting (the propensity model did not balance the covariate).
 * Overlap: the share of each arm's units in propensity bins where the other arm has no unit (outside common
 * support), the share with a propensity outside [0.1, 0.9] (the region of good overlap by the rule of thumb of Crump,
 * Hotz, Imbens and Mitnik 2009), the share of units whose propensity was clipped, and Kish's effective sample size of
 * each arm's weights. Flagged: over 5% outside common support or clipped, over 10% outside [0.1, 0.9], an effective
 * sample size under 10% of the arm. For the effect on the treated only treated units need comparable controls (and
 * a propensity below 0.9); controls unlike every treated unit just get weight near 0.
 */
import { meanOf, varianceOf, effectiveCount } from './moments.js';
import { PROPENSITY_BINS, type Estimand, type ObservationalArm } from './observational-arm.js';
import { StatsWarningCodes, type StatsWarning } from './warnings.js';

export const SMD_THRESHOLD = 0.1;
export const OUTSIDE_SUPPORT_THRESHOLD = 0.05;
export const CLIPPED_THRESHOLD = 0.05;
export const GOOD_OVERLAP: readonly [number, number] = [0.1, 0.9];
export const OUTSIDE_GOOD_OVERLAP_THRESHOLD = 0.1;
export const EFFECTIVE_SHARE_THRESHOLD = 0.1;

export interface CovariateBalance {
  covariate: string;
  /** Null when the covariate does not vary in either arm. */
  before: number | null;
  after: number | null;
}

export interface ArmOverlap {
  count: number;
  /** Share of the arm's units in propensity bins the other arm does not reach. */
  outsideCommonSupport: number;
  /** Share of the arm's units with a propensity below 0.1 (lowTail) or above 0.9 (highTail). */
  lowTail: number;
  highTail: number;
  effectiveSampleSize: number;
}

export interface OverlapDiagnostics {
  control: ArmOverlap;
  treated: ArmOverlap;
  clippedShare: number;
}

/** SMD of each covariate before and after weighting, with a warning for each one imbalanced before, and after. */
export function covariateBalance(
  control: ObservationalArm,
  treated: ObservationalArm,
  covariates: readonly string[],
): { balance: CovariateBalance[]; warnings: StatsWarning[] } {
  const warnings: StatsWarning[] = [];
  const balance = covariates.map((covariate) => {
    const sd = Math.sqrt((varianceOf(control.raw, covariate) + varianceOf(treated.raw, covariate)) / 2);
    const smd = (t: number, c: number): number | null => (sd > 0 ? (t - c) / sd : null);
    const before = smd(meanOf(treated.raw, covariate), meanOf(control.raw, covariate));
    const after = smd(meanOf(treated.weighted, covariate), meanOf(control.weighted, covariate));
    if (before !== null && Math.abs(before) > SMD_THRESHOLD) {
      warnings.push({
        code: StatsWarningCodes.IMBALANCE_BEFORE_WEIGHTING,
        message: `covariate "${covariate}" differs between the arms before weighting (standardized mean difference ${before.toFixed(3)}, above ${SMD_THRESHOLD}): the units chose their arm, so the naive difference is confounded; read the weighted estimate and the balance after weighting`,
      });
    }
    if (after !== null && Math.abs(after) > SMD_THRESHOLD) {
      warnings.push({
        code: StatsWarningCodes.COVARIATE_IMBALANCE,
        message: `covariate "${covariate}" is imbalanced after weighting (standardized mean difference ${after.toFixed(3)}, above ${SMD_THRESHOLD}); the propensity model misses something about it`,
      });
    }
    return { covariate, before, after };
  });
  return { balance, warnings };
}

/** Share of the histogram's units in the bins `inside` selects. */
function shareWhere(histogram: readonly number[], inside: (bin: number) => boolean): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  const selected = histogram.reduce((acc, v, bin) => acc + (inside(bin) ? v : 0), 0);
  return total === 0 ? 0 : selected / total;
}

// GOOD_OVERLAP's ends fall on bin edges (bins are 1 / PROPENSITY_BINS wide).
const LOW_BINS = Math.round(GOOD_OVERLAP[0] * PROPENSITY_BINS);
const HIGH_BINS_FROM = Math.round(GOOD_OVERLAP[1] * PROPENSITY_BINS);

/** Overlap of the arms' propensities and the spread of their weights; which arm's support matters follows the estimand. */
export function overlapDiagnostics(
  control: ObservationalArm,
  treated: ObservationalArm,
  estimand: Estimand,
): { overlap: OverlapDiagnostics; warnings: StatsWarning[] } {
  const arm = (own: ObservationalArm, other: ObservationalArm): ArmOverlap => ({
    count: own.raw.count,
    outsideCommonSupport: shareWhere(own.propensityHistogram, (bin) => other.propensityHistogram[bin] === 0),
    lowTail: shareWhere(own.propensityHistogram, (bin) => bin < LOW_BINS),
    highTail: shareWhere(own.propensityHistogram, (bin) => bin >= HIGH_BINS_FROM),
    effectiveSampleSize: effectiveCount(own.weighted),
  });
  const total = control.raw.count + treated.raw.count;
  const overlap = {
    control: arm(control, treated),
    treated: arm(treated, control),
    clippedShare: total === 0 ? 0 : (control.clipped + treated.clipped) / total,
  };
  const warnings: StatsWarning[] = [];
  const supportArms = estimand === 'att' ? (['treated'] as const) : (['treated', 'control'] as const);
  for (const name of supportArms) {
    const a = overlap[name];
    if (a.outsideCommonSupport > OUTSIDE_SUPPORT_THRESHOLD) {
      warnings.push({
        code: StatsWarningCodes.POOR_OVERLAP,
        arm: name,
        message: `${(a.outsideCommonSupport * 100).toFixed(1)}% of ${name} units have propensities the other arm never reaches; the weighted estimate extrapolates there`,
      });
    }
    const tails = estimand === 'att' ? a.highTail : a.lowTail + a.highTail;
    if (tails > OUTSIDE_GOOD_OVERLAP_THRESHOLD) {
      warnings.push({
        code: StatsWarningCodes.POOR_OVERLAP,
        arm: name,
        message: `${(tails * 100).toFixed(1)}% of ${name} units have propensities ${estimand === 'att' ? 'above 0.9' : 'outside [0.1, 0.9]'}, where few comparable units of the other arm exist`,
      });
    }
  }
  if (overlap.clippedShare > CLIPPED_THRESHOLD) {
    warnings.push({
      code: StatsWarningCodes.POOR_OVERLAP,
      message: `${(overlap.clippedShare * 100).toFixed(1)}% of units had their propensity clipped; the arms barely overlap`,
    });
  }
  for (const name of ['treated', 'control'] as const) {
    const a = overlap[name];
    if (a.count > 0 && a.effectiveSampleSize < EFFECTIVE_SHARE_THRESHOLD * a.count) {
      warnings.push({
        code: StatsWarningCodes.EXTREME_WEIGHTS,
        arm: name,
        message: `the ${name} weights leave an effective sample of ${a.effectiveSampleSize.toFixed(1)} of ${a.count} units; a few units carry the estimate`,
      });
    }
  }
  return { overlap, warnings };
}
