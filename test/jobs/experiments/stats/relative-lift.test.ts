/**
 * Relative lift: the delta-method variance worked by hand on small arms, and coverage of the true lift over
 * simulated conversion experiments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { relativeLift } from '../../../../src/jobs/experiments/stats/relative-lift.js';
import { assertEstimate, momentsOfColumns, NORMAL_TOLERANCE, reference } from './reference-values.js';
import { assertCalibrated, sampleMoments, seededRandom, simulateEstimates } from './simulation.js';

const arm = (values: number[]) => {
  const m = createMoments(['y']);
  for (const y of values) addObservation(m, { y });
  return m;
};

test('worked by hand: control [1, 2, 3], treatment [2, 4, 6, 8]', () => {
  // mu_C = 2, s_C^2 = 1, n_C = 3; mu_T = 5, s_T^2 = 20/3, n_T = 4. Lift = 5/2 - 1 = 1.5.
  // Var = (20/3 / 4) / 4 + (1/3) * 25 / 16 = 5/12 + 25/48 = 45/48.
  const lift = relativeLift(arm([1, 2, 3]), arm([2, 4, 6, 8]), 'y', 0.05)!;
  assert.ok(Math.abs(lift.estimate - 1.5) < 1e-15);
  assert.ok(Math.abs(lift.standardError - Math.sqrt(45 / 48)) < 1e-15);
  assert.ok(Math.abs(lift.upper - lift.lower - 2 * 1.959963984540054 * Math.sqrt(45 / 48)) < 1e-9);
});

test('estimate, standard error, p-value and interval against the generic delta method (reference fixture)', () => {
  const { control, treatment, relativeLift: expected } = reference.twoArms;
  assertEstimate(
    relativeLift(momentsOfColumns({ y: control }), momentsOfColumns({ y: treatment }), 'y', reference.alpha),
    expected,
    NORMAL_TOLERANCE,
    'relative lift',
  );
});

test('no lift over a zero control mean, below two units in an arm, or without any variance', () => {
  assert.equal(relativeLift(arm([0, 0, 0]), arm([1, 2]), 'y', 0.05), null);
  assert.equal(relativeLift(arm([-1, 1]), arm([1, 2]), 'y', 0.05), null, 'a zero control mean that varies');
  assert.equal(relativeLift(arm([1]), arm([1, 2]), 'y', 0.05), null);
  assert.equal(relativeLift(arm([1, 2]), arm([4]), 'y', 0.05), null);
  assert.equal(relativeLift(arm([2, 2]), arm([3, 3, 3]), 'y', 0.05), null, 'no variance: no standard error');
  // Two units per arm are enough. Control [1, 3]: mean 2, variance 2; treatment [2, 6]: mean 4, variance 8. Lift
  // 4/2 - 1 = 1; Var = (8/2) / 4 + (2/2) * 16 / 16 = 2.
  const lift = relativeLift(arm([1, 3]), arm([2, 6]), 'y', 0.05)!;
  assert.equal(lift.estimate, 1);
  assert.ok(Math.abs(lift.standardError - Math.SQRT2) < 1e-15);
});

test('95% intervals cover the true lift (10% on a 20% conversion rate) in 93-97% of 1000 experiments, with the right error', (t) => {
  const random = seededRandom(12);
  const found = simulateEstimates(
    1000,
    () =>
      relativeLift(
        sampleMoments(['y'], 3000, () => ({ y: random.bernoulli(0.2) })),
        sampleMoments(['y'], 3000, () => ({ y: random.bernoulli(0.22) })),
        'y',
        0.05,
      ),
    0.1,
  );
  assertCalibrated(t, found, 'relative lift');
});
