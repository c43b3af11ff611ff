/**
 * The Bayesian view of an effect: a normal prior N(m0, v0) combined with a normal likelihood of the estimate
 * N(estimate, se^2) gives the normal posterior with precision 1/v0 + 1/se^2 and mean
 * (m0/v0 + estimate/se^2) / (1/v0 + 1/se^2). From it: the equal-tailed credible interval and the probability that the
 * effect is positive (treatment beats control when higher is better).
 */
import { normalCdf, normalQuantile } from './distributions.js';

export interface NormalBelief {
  mean: number;
  variance: number;
}

export interface PosteriorEffect {
  mean: number;
  standardDeviation: number;
  lower: number;
  upper: number;
  probabilityPositive: number;
  /** Share of the posterior precision that comes from the prior (the rest comes from the data). */
  priorWeight: number;
}

/** The conjugate normal-normal update of `prior` by an estimate with standard error `standardError`. */
export function normalPosterior(prior: NormalBelief, estimate: number, standardError: number): NormalBelief {
  const priorPrecision = 1 / prior.variance;
  const dataPrecision = 1 / (standardError * standardError);
  const precision = priorPrecision + dataPrecision;
  return { mean: (prior.mean * priorPrecision + estimate * dataPrecision) / precision, variance: 1 / precision };
}

/** Posterior summary of an effect with a (1 - alpha) credible interval. */
export function posteriorEffect(prior: NormalBelief, estimate: number, standardError: number, alpha: number): PosteriorEffect {
  const post = normalPosterior(prior, estimate, standardError);
  const sd = Math.sqrt(post.variance);
  const z = normalQuantile(1 - alpha / 2);
  return {
    mean: post.mean,
    standardDeviation: sd,
    lower: post.mean - z * sd,
    upper: post.mean + z * sd,
    probabilityPositive: normalCdf(post.mean / sd),
    priorWeight: post.variance / prior.variance,
  };
}
