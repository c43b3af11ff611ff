/**
 * The distribution functions the experiment statistics need, on top of the @stdlib implementations: standard normal
 * cdf, survival and quantile, Student t cdf and quantile, chi-square survival (the regularized upper incomplete gamma
 * function, accurate far into the tail where 1 - cdf would round to 0), and two-sided p-values.
 */
import normalCdfAt from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileAt from '@stdlib/stats-base-dists-normal-quantile';
import studentTCdfAt from '@stdlib/stats-base-dists-t-cdf';
import studentTQuantileAt from '@stdlib/stats-base-dists-t-quantile';
import incompleteGamma from '@stdlib/math-base-special-gammainc';

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return normalCdfAt(z, 0, 1);
}

/** P(Z > z) for a standard normal Z, computed as cdf(-z) so small tails keep their precision. */
export function normalSurvival(z: number): number {
  return normalCdfAt(-z, 0, 1);
}

/** The z with P(Z <= z) = p. */
export function normalQuantile(p: number): number {
  return normalQuantileAt(p, 0, 1);
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  return studentTCdfAt(t, df);
}

/** The t with P(T <= t) = p for Student's t with `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  return studentTQuantileAt(p, df);
}

/** P(X > x) for a chi-square X with `df` degrees of freedom: Q(df / 2, x / 2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return incompleteGamma(x / 2, df / 2, true, true);
}

/** Two-sided p-value of a z statistic. */
export function twoSidedNormalP(z: number): number {
  return Math.min(1, 2 * normalSurvival(Math.abs(z)));
}

/** Two-sided p-value of a t statistic with `df` degrees of freedom. */
export function twoSidedStudentTP(t: number, df: number): number {
  return Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
}
