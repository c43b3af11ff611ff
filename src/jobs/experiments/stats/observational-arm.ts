/**
 * Sufficient statistics of one arm of an observational comparison (units that chose a variant, `randomized: false`):
 * unit-weighted moments (for the unweighted comparison and balance before weighting), inverse-probability-weighted
 * moments of the same variables, the number of units whose propensity was clipped, and a histogram of propensities
 * (for overlap). Everything is retractable like Moments: a unit is retracted with the propensity it was added with,
 * which the per-user stage keeps beside the unit's contribution.
 *
 * Weights by estimand:
 *   ATE (average effect over all units):    treated 1 / e,  control 1 / (1 - e);
 *   ATT (average effect on the treated):    treated 1,      control e / (1 - e).
 * Extreme weights are bounded by clipping the propensity into [clip[0], clip[1]] (truncation: no unit is dropped;
 * default [0.01, 0.99], so no weight exceeds 100) on the side where it makes a weight large, and only there: a
 * treated unit's e is raised to clip[0] (ATE), a control's lowered to clip[1]. Raising a control's tiny e would
 * instead give thousands of controls unlike any treated unit a weight they should not have (seen on LaLonde's CPS
 * controls under ATT: 99.9% of them clipped, and the estimate moved by $3,000).
 * The weights stored are these raw ones. Stabilized weights multiply each arm's by a constant (ATE: the arm's share
 * P(T = t); ATT controls: the marginal odds n_C / n_T), which leaves the weighted (Hajek) means unchanged, so the
 * stabilization is applied where it matters: in the reported weight diagnostics (see ipw.ts).
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';
import { addObservation, createMoments, mergeMoments, removeObservation, type Moments, type Observation } from './moments.js';

export type Estimand = 'ate' | 'att';

export interface WeightingConfig {
  estimand: Estimand;
  /** Bounds of the propensity, applied on the side where it would make a weight large (see above). */
  clip: readonly [number, number];
}

export const DEFAULT_WEIGHTING: Readonly<WeightingConfig> = { estimand: 'ate', clip: [0.01, 0.99] };

export const PROPENSITY_BINS = 20;

export interface ObservationalArm {
  raw: Moments;
  weighted: Moments;
  clipped: number;
  /** Units per propensity bin [i / bins, (i + 1) / bins). */
  propensityHistogram: number[];
}

export function createObservationalArm(variables: readonly string[]): ObservationalArm {
  return { raw: createMoments(variables), weighted: createMoments(variables), clipped: 0, propensityHistogram: new Array<number>(PROPENSITY_BINS).fill(0) };
}

/** The raw inverse-probability weight of a unit, and whether its propensity was clipped. */
export function inverseProbabilityWeight(propensity: number, treated: boolean, config: WeightingConfig): { weight: number; clipped: boolean } {
  const [low, high] = config.clip;
  if (!(propensity >= 0 && propensity <= 1)) {
    throw new FlywheelError(
      ErrorCodes.BAD_RECORD,
      `propensity must lie in [0, 1], got ${propensity}`,
      {},
      "pass the propensity model's probability of treatment for the unit",
    );
  }
  if (!(low > 0 && low < high && high < 1)) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `propensity clip must satisfy 0 < low < high < 1, got [${low}, ${high}]`,
      {},
      'the usual choice is [0.01, 0.99]',
    );
  }
  if (treated) {
    if (config.estimand === 'att') return { weight: 1, clipped: false };
    const e = Math.max(low, propensity);
    return { weight: 1 / e, clipped: e !== propensity };
  }
  const e = Math.min(high, propensity);
  return { weight: config.estimand === 'ate' ? 1 / (1 - e) : e / (1 - e), clipped: e !== propensity };
}

const binOf = (propensity: number): number => Math.min(PROPENSITY_BINS - 1, Math.floor(propensity * PROPENSITY_BINS));

function apply(arm: ObservationalArm, obs: Observation, propensity: number, treated: boolean, config: WeightingConfig, sign: 1 | -1): ObservationalArm {
  const { weight, clipped } = inverseProbabilityWeight(propensity, treated, config);
  if (sign > 0) {
    addObservation(arm.raw, obs);
    addObservation(arm.weighted, obs, weight);
  } else {
    removeObservation(arm.raw, obs);
    removeObservation(arm.weighted, obs, weight);
  }
  if (clipped) arm.clipped += sign;
  arm.propensityHistogram[binOf(propensity)]! += sign;
  return arm;
}

/** Adds a unit (in place) with its outcome and covariates, its propensity and which arm it chose. */
export function addObservationalUnit(arm: ObservationalArm, obs: Observation, propensity: number, treated: boolean, config: WeightingConfig): ObservationalArm {
  return apply(arm, obs, propensity, treated, config, 1);
}

/** Retracts a unit added earlier with the same values, propensity and arm (in place). */
export function removeObservationalUnit(
  arm: ObservationalArm,
  obs: Observation,
  propensity: number,
  treated: boolean,
  config: WeightingConfig,
): ObservationalArm {
  return apply(arm, obs, propensity, treated, config, -1);
}

/** A new arm holding the units of both. */
export function mergeObservationalArms(a: ObservationalArm, b: ObservationalArm): ObservationalArm {
  return {
    raw: mergeMoments(a.raw, b.raw),
    weighted: mergeMoments(a.weighted, b.weighted),
    clipped: a.clipped + b.clipped,
    propensityHistogram: a.propensityHistogram.map((v, i) => v + b.propensityHistogram[i]!),
  };
}
