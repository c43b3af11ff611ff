/**
 * The shape every effect estimator returns: a point estimate with its standard error, a two-sided (1 - alpha)
 * interval and the two-sided p-value against zero, on a Student t reference (when degrees of freedom are known) or a
 * standard normal one (large-sample estimators: delta method, weighting, instrumental variables).
 */
import { normalQuantile, studentTQuantile, twoSidedNormalP, twoSidedStudentTP } from './distributions.js';

export interface Estimate {
  estimate: number;
  standardError: number;
  lower: number;
  upper: number;
  /** Two-sided p-value of estimate = 0. */
  pValue: number;
  /** Degrees of freedom of the t reference; absent for a normal reference. */
  degreesOfFreedom?: number;
}

/** An estimate on the standard normal reference. */
export function normalEstimate(estimate: number, standardError: number, alpha: number): Estimate {
  const half = normalQuantile(1 - alpha / 2) * standardError;
  return { estimate, standardError, lower: estimate - half, upper: estimate + half, pValue: twoSidedNormalP(estimate / standardError) };
}

/** An estimate on Student's t reference with `df` degrees of freedom. */
export function studentTEstimate(estimate: number, standardError: number, df: number, alpha: number): Estimate {
  const half = studentTQuantile(1 - alpha / 2, df) * standardError;
  return {
    estimate,
    standardError,
    lower: estimate - half,
    upper: estimate + half,
    pValue: twoSidedStudentTP(estimate / standardError, df),
    degreesOfFreedom: df,
  };
}
