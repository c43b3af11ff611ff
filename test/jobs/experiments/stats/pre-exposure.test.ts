/**
 * CUPED and difference-in-differences: a worked sample against scipy (Welch's t on the adjusted values), the
 * variance reduction a correlated covariate brings, the fallback that never lets an uninformative covariate make the
 * variance worse, and coverage of the true effect over simulated experiments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { cupedDifference, differenceInDifferences } from '../../../../src/jobs/experiments/stats/pre-exposure.js';
import { differenceInMeans } from '../../../../src/jobs/experiments/stats/welch.js';
import { assertCalibrated, sampleMoments, seededRandom, simulateEstimates } from './simulation.js';

const arm = (y: number[], x: number[]) => {
  const m = createMoments(['y', 'x']);
  y.forEach((v, i) => addObservation(m, { y: v, x: x[i]! }));
  return m;
};
const CONTROL = arm([12.1, 9.8, 11.4, 10.9, 13.2, 8.7, 10.1, 11.8], [10, 8, 11, 10, 12, 7, 9, 11]);
const TREATMENT = arm([13.5, 12.2, 14.8, 11.9, 15.1, 12.7, 13.9, 16.2, 12.4, 14.0, 13.3], [11, 10, 13, 9, 12, 11, 12, 14, 10, 12, 11]);

test('worked sample against numpy/scipy 1.17.1', () => {
  // theta = sum of within-arm centered x*y / sum of within-arm centered x^2 (numpy) = 0.8503972758229281;
  // ttest_ind(T - theta xT, C - theta xC, equal_var=False): statistic 5.991494664033517, df 13.693423214081973,
  // pvalue 3.6248684776334746e-05, difference of means 1.264131668558457.
  const c = cupedDifference(CONTROL, TREATMENT, 'y', 'x', 0.05)!;
  assert.equal(c.applied, true);
  assert.ok(Math.abs(c.theta - 0.8503972758229281) < 1e-12);
  assert.ok(Math.abs(c.effect.estimate - 1.264131668558457) < 1e-12);
  assert.ok(Math.abs(c.effect.estimate / c.effect.standardError - 5.991494664033517) < 1e-9);
  assert.ok(Math.abs(c.effect.degreesOfFreedom! - 13.693423214081973) < 1e-9);
  assert.ok(Math.abs(c.effect.pValue - 3.6248684776334746e-5) < 1e-11);
  const plain = differenceInMeans(CONTROL, TREATMENT, 'y', 0.05)!;
  assert.ok(Math.abs(c.varianceReduction - (1 - (c.effect.standardError / plain.standardError) ** 2)) < 1e-12);
  // ttest_ind(T - xT, C - xC, equal_var=False): statistic 4.2269216129244445, df 12.623101585316144,
  // pvalue 0.0010529746554859562, difference 1.0227272727272725.
  const did = differenceInDifferences(CONTROL, TREATMENT, 'y', 'x', 0.05)!;
  assert.ok(Math.abs(did.estimate - 1.0227272727272725) < 1e-12);
  assert.ok(Math.abs(did.estimate / did.standardError - 4.2269216129244445) < 1e-9);
  assert.ok(Math.abs(did.degreesOfFreedom! - 12.623101585316144) < 1e-9);
  assert.ok(Math.abs(did.pValue - 0.0010529746554859562) < 1e-11);
});

test('a covariate with correlation rho removes about rho^2 of the variance', () => {
  const random = seededRandom(21);
  const draw = (effect: number) => () => {
    const x = random.normal();
    return { x, y: effect + 0.8 * x + 0.6 * random.normal() };
  };
  const c = cupedDifference(sampleMoments(['y', 'x'], 20000, draw(0)), sampleMoments(['y', 'x'], 20000, draw(0.05)), 'y', 'x', 0.05)!;
  // rho = 0.8 / sqrt(0.64 + 0.36) = 0.8, so the reduction is 0.64; with 40000 units its sampling error is ~0.005.
  assert.ok(Math.abs(c.varianceReduction - 0.64) < 0.02, `reduction ${c.varianceReduction}`);
  assert.ok(Math.abs(c.theta - 0.8) < 0.02, `theta ${c.theta}`);
});

test('never worse than unadjusted: 300 experiments with an independent covariate, and a constant one', () => {
  const random = seededRandom(22);
  for (let run = 0; run < 300; run++) {
    const draw = () => ({ y: random.normal(), x: random.normal() });
    const control = sampleMoments(['y', 'x'], 30, draw);
    const treatment = sampleMoments(['y', 'x'], 30, draw);
    const c = cupedDifference(control, treatment, 'y', 'x', 0.05)!;
    const plain = differenceInMeans(control, treatment, 'y', 0.05)!;
    assert.ok(c.effect.standardError <= plain.standardError, `run ${run}: ${c.effect.standardError} > ${plain.standardError}`);
    if (!c.applied) assert.deepEqual(c.effect, plain);
  }
  const constant = () => ({ y: random.normal(), x: 3 });
  const c = cupedDifference(sampleMoments(['y', 'x'], 20, constant), sampleMoments(['y', 'x'], 20, constant), 'y', 'x', 0.05)!;
  assert.equal(c.applied, false);
  assert.equal(c.theta, 0);
});

test('95% intervals of CUPED and of difference-in-differences cover the truth in 93-97% of 1000 experiments, with the right error', (t) => {
  const random = seededRandom(23);
  const draw = (effect: number) => () => {
    const x = 5 + random.normal();
    return { x, y: effect + x + random.normal() };
  };
  const experiments = Array.from({ length: 1000 }, () => [sampleMoments(['y', 'x'], 60, draw(0)), sampleMoments(['y', 'x'], 60, draw(0.3))] as const);
  // Theta is estimated on the same data, which Welch's t ignores; at 120 units that costs well under a point of coverage.
  assertCalibrated(
    t,
    simulateEstimates(1000, (run) => cupedDifference(...experiments[run]!, 'y', 'x', 0.05)?.effect, 0.3),
    'CUPED',
  );
  assertCalibrated(
    t,
    simulateEstimates(1000, (run) => differenceInDifferences(...experiments[run]!, 'y', 'x', 0.05), 0.3),
    'difference-in-differences',
  );
});
