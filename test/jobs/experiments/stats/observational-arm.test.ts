/**
 * An observational arm's bookkeeping worked by hand: propensities at the ends of [0, 1] (accepted, clipped, binned
 * in the last bin), the clip bounds it refuses, and the count of clipped units and the propensity histogram through
 * retraction and merging. ipw.test.ts checks the weights themselves and the estimates built on the arms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addObservationalUnit,
  createObservationalArm,
  inverseProbabilityWeight,
  mergeObservationalArms,
  PROPENSITY_BINS,
  removeObservationalUnit,
  type WeightingConfig,
} from '../../../../src/jobs/experiments/stats/observational-arm.js';

const ATE: WeightingConfig = { estimand: 'ate', clip: [0.01, 0.99] };

/** A histogram of PROPENSITY_BINS bins with the given counts at the given bins. */
function histogram(counts: Record<number, number>): number[] {
  return Array.from({ length: PROPENSITY_BINS }, (_, bin) => counts[bin] ?? 0);
}

test('propensities of exactly 0 and 1 are valid: clipped where they make a weight unbounded, and binned at the ends', () => {
  // A treated unit at 0 under the ATE: e raised to 0.01, weight 100. A control at 1: e lowered to 0.99, weight
  // 1 / 0.01 = 100 (to rounding: 1 - 0.99 is 0.010000000000000009).
  assert.deepEqual(inverseProbabilityWeight(0, true, ATE), { weight: 100, clipped: true });
  const control = inverseProbabilityWeight(1, false, ATE);
  assert.ok(control.clipped && Math.abs(control.weight - 100) < 1e-9, JSON.stringify(control));
  // The other sides do not make a weight large: kept as they are.
  assert.deepEqual(inverseProbabilityWeight(1, true, ATE), { weight: 1, clipped: false });
  assert.deepEqual(inverseProbabilityWeight(0, false, ATE), { weight: 1, clipped: false });
  for (const bad of [-0.001, 1.001, Number.NaN]) assert.throws(() => inverseProbabilityWeight(bad, true, ATE), /propensity must lie in \[0, 1\], got/);
  const arm = createObservationalArm(['y']);
  addObservationalUnit(arm, { y: 1 }, 0, false, ATE);
  addObservationalUnit(arm, { y: 2 }, 1, false, ATE);
  addObservationalUnit(arm, { y: 3 }, 0.96, false, ATE);
  addObservationalUnit(arm, { y: 4 }, 0.06, false, ATE);
  // Bins are [i / 20, (i + 1) / 20); 1 falls in the last one, with 0.96.
  assert.deepEqual(arm.propensityHistogram, histogram({ 0: 1, 1: 1, 19: 2 }));
});

test('clip bounds must satisfy 0 < low < high < 1', () => {
  for (const clip of [
    [0, 0.9],
    [0.1, 1],
    [0.3, 0.3],
    [0.6, 0.4],
    [-0.1, 0.9],
  ] as const) {
    assert.throws(
      () => inverseProbabilityWeight(0.5, true, { estimand: 'ate', clip }),
      new RegExp(`propensity clip must satisfy 0 < low < high < 1, got \\[${clip[0]}, ${clip[1]}\\]`),
      `[${clip}]`,
    );
  }
  assert.deepEqual(inverseProbabilityWeight(0.5, true, { estimand: 'ate', clip: [0.001, 0.999] }), { weight: 2, clipped: false });
});

test('clipped units are counted, retracted and merged with their arm', () => {
  const a = createObservationalArm(['y']);
  // Treated units at 0.001 and 0.005 are clipped to 0.01; those at 0.5 and 0.02 are not.
  addObservationalUnit(a, { y: 1 }, 0.001, true, ATE);
  addObservationalUnit(a, { y: 2 }, 0.005, true, ATE);
  addObservationalUnit(a, { y: 3 }, 0.5, true, ATE);
  addObservationalUnit(a, { y: 4 }, 0.02, true, ATE);
  assert.equal(a.clipped, 2);
  assert.deepEqual(a.propensityHistogram, histogram({ 0: 3, 10: 1 }));
  removeObservationalUnit(a, { y: 2 }, 0.005, true, ATE);
  removeObservationalUnit(a, { y: 3 }, 0.5, true, ATE);
  assert.equal(a.clipped, 1, 'retracting a clipped unit uncounts it, an unclipped one does not');
  assert.deepEqual(a.propensityHistogram, histogram({ 0: 2 }));
  // The weights left: 100 for y = 1 (clipped to 0.01) and 1 / 0.02 = 50 for y = 4.
  assert.equal(a.weighted.weight, 150);
  const b = createObservationalArm(['y']);
  addObservationalUnit(b, { y: 5 }, 0.0001, true, ATE);
  addObservationalUnit(b, { y: 6 }, 0.75, true, ATE);
  const merged = mergeObservationalArms(a, b);
  assert.equal(merged.clipped, 2);
  assert.deepEqual(merged.propensityHistogram, histogram({ 0: 3, 15: 1 }));
  assert.equal(merged.raw.count, 4);
  assert.ok(Math.abs(merged.weighted.weight - (150 + 100 + 1 / 0.75)) < 1e-12, `${merged.weighted.weight}`);
  assert.equal(a.clipped, 1, 'merging leaves its inputs as they were');
});
