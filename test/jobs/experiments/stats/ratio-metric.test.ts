/**
 * Ratio metrics by the delta method: the variance formula worked by hand, and coverage of the true difference in
 * revenue per session over simulated experiments where a user's sessions and revenue are correlated (the case the
 * naive per-session variance gets wrong).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { ratioDifference, ratioOf } from '../../../../src/jobs/experiments/stats/ratio-metric.js';
import { assertClose, assertEstimate, momentsOfColumns, NORMAL_TOLERANCE, reference } from './reference-values.js';
import { assertCalibrated, sampleMoments, seededRandom, simulateEstimates } from './simulation.js';

test('worked by hand: three users with (revenue, sessions) (2, 1), (6, 2), (4, 3)', () => {
  const m = createMoments(['revenue', 'sessions']);
  for (const [revenue, sessions] of [
    [2, 1],
    [6, 2],
    [4, 3],
  ])
    addObservation(m, { revenue: revenue!, sessions: sessions! });
  // R = 4 / 2 = 2. Var(rev) = 4, Var(ses) = 1, Cov = ((-2)(-1) + (2)(0) + (0)(1)) / 2 = 1.
  // Var(R) = (4 - 2*2*1 + 4*1) / (3 * 2^2) = 4 / 12.
  const r = ratioOf(m, 'revenue', 'sessions')!;
  assert.equal(r.ratio, 2);
  assert.ok(Math.abs(r.variance - 4 / 12) < 1e-15);
});

test('two users are enough; one, a zero mean denominator, or ratios without variance give none', () => {
  const arm = (users: ReadonlyArray<readonly [number, number]>) => {
    const m = createMoments(['revenue', 'sessions']);
    for (const [revenue, sessions] of users) addObservation(m, { revenue, sessions });
    return m;
  };
  // (1, 1) and (3, 1): R = 2 / 1 = 2, Var(rev) = 2, Var(ses) = 0, so Var(R) = 2 / (2 * 1^2) = 1.
  assert.deepEqual(
    ratioOf(
      arm([
        [1, 1],
        [3, 1],
      ]),
      'revenue',
      'sessions',
    ),
    { ratio: 2, variance: 1 },
  );
  assert.equal(ratioOf(arm([[1, 1]]), 'revenue', 'sessions'), null);
  assert.equal(
    ratioOf(
      arm([
        [1, 0],
        [3, 0],
      ]),
      'revenue',
      'sessions',
    ),
    null,
  );
  // Every user at revenue = 2 sessions in both arms: the ratios are exactly 2 with variance 0, no difference to test.
  const exact = arm([
    [2, 1],
    [4, 2],
    [6, 3],
  ]);
  assert.deepEqual(ratioOf(exact, 'revenue', 'sessions'), { ratio: 2, variance: 0 });
  assert.equal(ratioDifference(exact, exact, 'revenue', 'sessions', 0.05), null);
});

test('per-arm ratios and variances, and their difference, against the generic delta method (reference fixture)', () => {
  const { control, treatment, controlArm, treatmentArm, difference } = reference.ratio;
  const [c, t] = [momentsOfColumns(control), momentsOfColumns(treatment)];
  for (const [m, expected, name] of [
    [c, controlArm, 'control'],
    [t, treatmentArm, 'treatment'],
  ] as const) {
    const r = ratioOf(m, 'numerator', 'denominator')!;
    assertClose(r.ratio, expected.ratio, NORMAL_TOLERANCE, `${name} ratio`);
    assertClose(r.variance, expected.variance, NORMAL_TOLERANCE, `${name} ratio variance`);
  }
  assertEstimate(ratioDifference(c, t, 'numerator', 'denominator', reference.alpha), difference, NORMAL_TOLERANCE, 'ratio difference');
});

test('95% intervals cover the true difference of revenue per session in 93-97% of 1000 experiments, with the right error', (t) => {
  const random = seededRandom(13);
  // A user's sessions vary with a user-level taste; revenue is sessions times a per-session amount with mean
  // 1.0 (control) or 1.1 (treatment), so revenue and sessions are strongly correlated within a user and the true
  // ratio E[revenue] / E[sessions] is exactly 1.0 or 1.1.
  const user = (perSession: number) => () => {
    const taste = Math.exp(0.5 * random.normal());
    const sessions = 1 + Math.floor(3 * taste * random.uniform());
    return { sessions, revenue: perSession * sessions * (0.5 + random.uniform()) };
  };
  const truth = 1.1 - 1.0;
  const found = simulateEstimates(
    1000,
    () =>
      ratioDifference(
        sampleMoments(['revenue', 'sessions'], 400, user(1.0)),
        sampleMoments(['revenue', 'sessions'], 400, user(1.1)),
        'revenue',
        'sessions',
        0.05,
      ),
    truth,
  );
  assertCalibrated(t, found, 'ratio difference');
});
