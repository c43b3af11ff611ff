/**
 * Non-compliance: the Wald estimator equals the instrumental-variable ratio Cov(Y, Z) / Cov(D, Z) computed from raw
 * data, its interval covers the true complier effect over simulated experiments with one-sided non-compliance, and a
 * weak first stage is flagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { complierAnalysis, WEAK_INSTRUMENT_F } from '../../../../src/jobs/experiments/stats/non-compliance.js';
import { assertClose, assertEstimate, momentsOfColumns, NORMAL_TOLERANCE, reference, STUDENT_T_TOLERANCE } from './reference-values.js';
import { assertCalibrated, seededRandom, simulateEstimates, type Random } from './simulation.js';

/**
 * Assigned users use the feature if they are compliers (share `compliance`); control users cannot use it. Using it
 * adds `effect` to the outcome; compliers also have a higher baseline, so the naive used-vs-not comparison is biased.
 */
function experiment(random: Random, units: number, compliance: number, effect: number) {
  const rows: Array<{ y: number; d: number; z: number }> = [];
  for (let i = 0; i < units; i++) {
    const z = i % 2;
    const complier = random.uniform() < compliance;
    const d = z === 1 && complier ? 1 : 0;
    rows.push({ z, d, y: (complier ? 1 : 0) + effect * d + random.normal() });
  }
  const arms = [createMoments(['y', 'd']), createMoments(['y', 'd'])];
  for (const r of rows) addObservation(arms[r.z]!, r);
  return { rows, control: arms[0]!, treatment: arms[1]! };
}

test('the Wald estimate equals Cov(Y, Z) / Cov(D, Z) over the raw rows, and the first-stage F is its t^2', () => {
  const { rows, control, treatment } = experiment(seededRandom(31), 2000, 0.4, 0.5);
  const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  const cov = (f: (r: (typeof rows)[number]) => number) => {
    const mf = mean(f);
    const mz = mean((r) => r.z);
    return rows.reduce((a, r) => a + (f(r) - mf) * (r.z - mz), 0);
  };
  const a = complierAnalysis(control, treatment, 'y', 'd', 0.05)!;
  assert.ok(Math.abs(a.complierEffect!.estimate - cov((r) => r.y) / cov((r) => r.d)) < 1e-12);
  assert.ok(Math.abs(a.firstStageF - (a.firstStage.estimate / a.firstStage.standardError) ** 2) < 1e-9);
  assert.equal(a.weakInstrument, false);
  assert.ok(Math.abs(a.intentToTreat.estimate / a.firstStage.estimate - a.complierEffect!.estimate) < 1e-12);
});

test('ITT, first stage, F and the complier effect with its delta-method error against the reference fixture', () => {
  const { control, treatment, intentToTreat, firstStage, firstStageF, complierEffect, varianceTerms } = reference.nonCompliance;
  // Two-sided non-compliance with the outcome tied to usage: none of the three terms of the variance is small
  // (Var(ITT_Y), -2 beta Cov and beta^2 Var(ITT_D) are about 0.087, -0.044 and 0.018 of a total of 0.061), so a
  // term left out or of the wrong sign moves the standard error by far more than the tolerance.
  const total = Object.values(varianceTerms).reduce((a, b) => a + b, 0);
  assert.ok(
    Object.values(varianceTerms).every((term) => Math.abs(term) > 0.1 * total),
    JSON.stringify(varianceTerms),
  );
  const a = complierAnalysis(momentsOfColumns(control), momentsOfColumns(treatment), 'y', 'd', reference.alpha)!;
  assertEstimate(a.intentToTreat, intentToTreat, STUDENT_T_TOLERANCE, 'ITT');
  assertEstimate(a.firstStage, firstStage, STUDENT_T_TOLERANCE, 'first stage');
  assertClose(a.firstStageF, firstStageF, NORMAL_TOLERANCE, 'first-stage F');
  assertEstimate(a.complierEffect, complierEffect, NORMAL_TOLERANCE, 'complier effect');
});

test('95% intervals cover the true complier effect in 93-97% of 1000 experiments, with the right error', (t) => {
  const random = seededRandom(32);
  const found = simulateEstimates(
    1000,
    () => {
      const { control, treatment } = experiment(random, 800, 0.5, 0.4);
      return complierAnalysis(control, treatment, 'y', 'd', 0.05)?.complierEffect;
    },
    0.4,
  );
  assertCalibrated(t, found, 'complier effect');
});

test('a weak first stage is flagged, and a zero one gives no complier effect', () => {
  const { control, treatment } = experiment(seededRandom(33), 400, 0.02, 0.5);
  const a = complierAnalysis(control, treatment, 'y', 'd', 0.05)!;
  assert.ok(a.firstStageF < WEAK_INSTRUMENT_F && a.weakInstrument, `F = ${a.firstStageF}`);
  const none = createMoments(['y', 'd']);
  const some = createMoments(['y', 'd']);
  for (const y of [1, 2, 3]) addObservation(none, { y, d: 0 });
  for (const [y, d] of [
    [1, 0],
    [2, 1],
    [4, 1],
    [3, 0],
  ])
    addObservation(some, { y: y!, d: d! });
  const half = createMoments(['y', 'd']);
  for (const [y, d] of [
    [1, 1],
    [5, 0],
  ])
    addObservation(half, { y: y!, d: d! });
  assert.equal(complierAnalysis(half, some, 'y', 'd', 0.05)!.complierEffect, null, 'usage is 1/2 in both arms');
  assert.equal(complierAnalysis(none, some, 'y', 'd', 0.05)!.complierEffect!.estimate, (2.5 - 2) / 0.5);
});
