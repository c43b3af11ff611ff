/**
 * Always-valid inference for results that are watched continuously: the mixture sequential probability ratio test
 * (Johari, Pekelis and Walsh 2017, "Always Valid Inference: Bringing Sequential Analysis to A/B Testing", the
 * "Peeking at A/B tests" paper) with a normal mixing distribution N(0, tau^2) over the effect. For an estimate with
 * variance V, the mixture likelihood ratio against "no effect" is
 *   Lambda = sqrt(V / (V + tau^2)) * exp( tau^2 estimate^2 / (2 V (V + tau^2)) ),
 * the always-valid p-value is the running minimum of min(1, 1 / Lambda) over all looks, and the (1 - alpha)
 * confidence sequence is
 *   estimate +- sqrt( V (V + tau^2) / tau^2 * ( -2 ln alpha - ln( V / (V + tau^2) ) ) ),
 * which excludes zero exactly when 1 / Lambda <= alpha. Under no true effect, the chance that it ever excludes zero,
 * however often it is looked at, is at most alpha.
 * V is estimated from the data (a plug-in), which is too noisy over the first few units: watched from two units per
 * arm with tau^2 = 1 on unit-variance data, 15% of null experiments excluded zero at some look, and 2% when watching
 * started at 30 units per arm. Hence MIN_UNITS_PER_ARM, which the report applies before the first look.
 */

export const MIN_UNITS_PER_ARM = 30;

export interface AlwaysValidResult {
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
 * The confidence sequence at this look and the always-valid p-value given the one of the previous look (1 before
 * the first look). `tau2` should be on the scale of the effects one expects (Johari et al. section 4.3).
 */
export function alwaysValid(estimate: number, variance: number, tau2: number, alpha: number, previousPValue = 1): AlwaysValidResult {
  const half = confidenceSequenceHalfWidth(variance, tau2, alpha);
  return {
    lower: estimate - half,
    upper: estimate + half,
    pValue: Math.min(previousPValue, mixtureLikelihoodRatioPValue(estimate, variance, tau2)),
  };
}
