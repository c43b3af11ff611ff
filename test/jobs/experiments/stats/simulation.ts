/**
 * Seeded randomness for the simulation tests of the experiment statistics: uniforms from the generators' mulberry32
 * stream, standard normals from them by Box-Muller, a helper that fills arm moments from a sampler, and the summary
 * of an estimator over many simulated experiments (coverage, and its reported standard error beside the spread of its
 * estimates) with the check that both are right.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { mulberry32 } from '../../../../src/core/seeded-random.js';
import type { Estimate } from '../../../../src/jobs/experiments/stats/estimate.js';
import { addObservation, createMoments, type Moments, type Observation } from '../../../../src/jobs/experiments/stats/moments.js';

export interface Random {
  uniform(): number;
  normal(): number;
  bernoulli(p: number): number;
}

export function seededRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    uniform: next,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    bernoulli: (p) => (next() < p ? 1 : 0),
  };
}

/** Moments over `names` of `count` observations drawn by `draw`. */
export function sampleMoments(names: readonly string[], count: number, draw: () => Observation): Moments {
  const m = createMoments(names);
  for (let i = 0; i < count; i++) addObservation(m, draw());
  return m;
}

/** What a simulation of an estimator found: coverage of the truth, and the spread of the estimates. */
export interface SimulatedEstimates {
  /** Share of runs whose interval covers the truth (a run without an estimate does not cover). */
  coverage: number;
  /** Standard deviation of the estimates over the runs that gave one: the estimator's actual standard error. */
  estimateSd: number;
  /** Root mean square of the standard errors those runs reported: what the estimator claims its error is. */
  rmsStandardError: number;
}

/**
 * Runs `runs` simulated experiments. A run may return null (an estimator that is undefined on that sample), which
 * counts as not covering and is left out of the spread.
 */
export function simulateEstimates(runs: number, estimateOf: (run: number) => Estimate | null | undefined, truth: number): SimulatedEstimates {
  let [covered, n, sum, sumSquares, sumVariances] = [0, 0, 0, 0, 0];
  for (let r = 0; r < runs; r++) {
    const e = estimateOf(r);
    if (!e) continue;
    if (e.lower <= truth && truth <= e.upper) covered++;
    n++;
    sum += e.estimate;
    sumSquares += e.estimate * e.estimate;
    sumVariances += e.standardError ** 2;
  }
  return { coverage: covered / runs, estimateSd: Math.sqrt((sumSquares - (sum * sum) / n) / (n - 1)), rmsStandardError: Math.sqrt(sumVariances / n) };
}

/**
 * A 95% interval's coverage in 93-97% (both sides: an interval too wide is as wrong as one too narrow) and the
 * reported standard error within 7% of the spread of the estimates. Over 1000 runs the binomial error of a 95% rate
 * is 0.7 points, so 93-97 allows about 3 of them; the sample standard deviation of 1000 roughly normal estimates has a
 * relative error of 1 / sqrt(2 * 999) = 2.2%, and 7% is about 3 of those. A variance off by a factor 2 puts the ratio
 * at 1.41 or 0.71.
 */
export function assertCalibrated(t: TestContext, found: SimulatedEstimates, what: string): void {
  const ratio = found.rmsStandardError / found.estimateSd;
  t.diagnostic(
    `${what}: coverage ${found.coverage}, reported standard error ${found.rmsStandardError.toPrecision(4)}, spread of the estimates ${found.estimateSd.toPrecision(4)} (ratio ${ratio.toFixed(3)})`,
  );
  assert.ok(found.coverage >= 0.93 && found.coverage <= 0.97, `${what}: coverage ${found.coverage}`);
  assert.ok(Math.abs(ratio - 1) <= 0.07, `${what}: reported standard error ${found.rmsStandardError} against a spread of ${found.estimateSd}`);
}
