/**
 * Welch's difference in means: a worked sample against scipy, and the coverage of its 95% interval over simulated
 * experiments with unequal variances and sizes (where the pooled-variance t would be off).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { differenceInMeans } from '../../../../src/jobs/experiments/stats/welch.js';
import { assertEstimate, momentsOfColumns, reference, STUDENT_T_TOLERANCE } from './reference-values.js';
import { assertCalibrated, sampleMoments, seededRandom, simulateEstimates } from './simulation.js';

const CONTROL = [12.1, 9.8, 11.4, 10.9, 13.2, 8.7, 10.1, 11.8];
const TREATMENT = [13.5, 12.2, 14.8, 11.9, 15.1, 12.7, 13.9, 16.2, 12.4, 14.0, 13.3];

const arm = (values: number[]) => {
  const m = createMoments(['y']);
  for (const y of values) addObservation(m, { y });
  return m;
};

test('worked sample against scipy 1.17.1 ttest_ind(treatment, control, equal_var=False)', () => {
  const d = differenceInMeans(arm(CONTROL), arm(TREATMENT), 'y', 0.05)!;
  // scipy: statistic 4.069267321972325, pvalue 0.0010640229635481178, df 14.572632391898313,
  // confidence_interval(0.95) = (1.2519219456099004, 4.020805327117376). Agreement to 1e-9 leaves room only for
  // the last digits of the t quantile and cdf, which the two libraries compute by different series.
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  assert.ok(Math.abs(d.estimate - (mean(TREATMENT) - mean(CONTROL))) < 1e-12);
  assert.ok(Math.abs(d.estimate / d.standardError - 4.069267321972325) < 1e-9);
  assert.ok(Math.abs(d.degreesOfFreedom! - 14.572632391898313) < 1e-9);
  assert.ok(Math.abs(d.pValue - 0.0010640229635481178) < 1e-9);
  assert.ok(Math.abs(d.lower - 1.2519219456099004) < 1e-9 && Math.abs(d.upper - 4.020805327117376) < 1e-9);
});

test('a second sample against scipy ttest_ind(equal_var=False) (reference fixture): every figure', () => {
  const { control, treatment, welch } = reference.twoArms;
  assertEstimate(
    differenceInMeans(momentsOfColumns({ y: control }), momentsOfColumns({ y: treatment }), 'y', reference.alpha),
    welch,
    STUDENT_T_TOLERANCE,
    'Welch',
  );
});

test('undefined below two units per arm or with no variation at all', () => {
  assert.equal(differenceInMeans(arm([1]), arm([2, 3]), 'y', 0.05), null);
  assert.equal(differenceInMeans(arm([1, 1, 1]), arm([2, 2]), 'y', 0.05), null);
});

test('95% intervals cover the true difference in 93-97% of 1000 simulated experiments, with the right error', (t) => {
  const random = seededRandom(11);
  // Control N(10, 1) with 30 units, treatment N(10.5, 3^2) with 120 units: variances and sizes both unequal.
  const found = simulateEstimates(
    1000,
    () =>
      differenceInMeans(
        sampleMoments(['y'], 30, () => ({ y: 10 + random.normal() })),
        sampleMoments(['y'], 120, () => ({ y: 10.5 + 3 * random.normal() })),
        'y',
        0.05,
      ),
    0.5,
  );
  assertCalibrated(t, found, 'Welch');
});
