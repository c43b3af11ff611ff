/**
 * Always-valid inference for results that are watched continuously: the mixture sequential probability ratio test
 * (Johari, Pekelis and Walsh 2017, "Always Valid Inference: Bringing Sequential Analysis to A/B Testing", the
 * "Peeking at A/B tests" paper) with a normal mixing distribution N(0, tau^2) over the effect. For an estimate with
 * variance V, the mixture likelihood ratio against "no effect" is
 *   Lambda = sqrt(V / (V + tau^2)) * exp( tau^2 estimate^2 / (2 V (V + tau^2)) ),
 * the always-valid p-value is the running minimum of min(1, 1 / Lambda) over all looks, and the (1 - alpha)
 * confidence sequence at one look is
 *   estimate +- sqrt( V (V + tau^2) / tau^2 * ( -2 ln alpha - ln( V / (V + tau^2) ) ) ),
 * which excludes zero exactly when that look's 1 / Lambda <= alpha. Under no true effect, the chance that it ever
 * excludes zero, however often it is looked at, is at most alpha; so the running intersection of the looks' intervals
 * is a confidence sequence too (Johari et al. section 3), and it is what is reported: it excludes zero exactly when
 * some look's interval did, that is exactly when the running-minimum p-value is below alpha. Each look's interval
 * alone could contain zero again after an earlier look excluded it, next to a p-value below alpha. When the looks'
 * intervals have no common point the intersection is empty (lower > upper: no constant effect fits every look, which
 * under a constant effect happens with probability at most alpha); it contains no value, zero included.
 * V is estimated from the data (a plug-in), which is too noisy over the first few units: watched from two units per
 * arm with tau^2 = 1 on unit-variance data, 15% of null experiments excluded zero at some look, and 2% when watching
 * started at 30 units per arm. Hence MIN_UNITS_PER_ARM, which the report applies before the first look.
 */

export const MIN_UNITS_PER_ARM = 30;

export interface AlwaysValidResult {
  /** The running intersection of the looks' intervals (lower > upper when it is empty). */
  lower: number;
  upper: number;
  /** Always-valid p-value: the minimum over this look and every earlier one. */
  pValue: number;
}

/** Half-width of the (1 - alpha) confidence sequence at estimate variance V and mixing variance tau^2. */
export function confidenceSequenceHalfWidth(variance: number, tau2: number, alpha: number): number {
  const total = variance + tau2;
  return Math.sqrt(((variance * total) / tau2) * (-2 * Math.log(alpha) - Math.log(variance / total)));
}

/** min(1, 1 / Lambda) at this look alone, computed in logs so large statistics do not overflow. */
export function mixtureLikelihoodRatioPValue(estimate: number, variance: number, tau2: number): number {
  const total = variance + tau2;
  const logLambda = 0.5 * Math.log(variance / total) + (tau2 * estimate * estimate) / (2 * variance * total);
  return Math.min(1, Math.exp(-logLambda));
}

/**
 * The always-valid interval and p-value after this look, given those after the previous look (none before the first
 * look). `tau2` should be on the scale of the effects one expects (Johari et al. section 4.3).
 */
export function alwaysValid(estimate: number, variance: number, tau2: number, alpha: number, previous?: AlwaysValidResult): AlwaysValidResult {
  const half = confidenceSequenceHalfWidth(variance, tau2, alpha);
  const pValue = mixtureLikelihoodRatioPValue(estimate, variance, tau2);
  if (!previous) return { lower: estimate - half, upper: estimate + half, pValue };
  return {
    lower: Math.max(previous.lower, estimate - half),
    upper: Math.min(previous.upper, estimate + half),
    pValue: Math.min(previous.pValue, pValue),
  };
}
