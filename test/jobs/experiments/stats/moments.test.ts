/**
 * Moments accumulator: every reader against two-pass computations over the raw observations, retraction as the
 * inverse of addition, merging in any order and across different shifts, plain-data round trips, the numerics of
 * large offsets, and clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack, unpack } from 'msgpackr';
import {
  addObservation,
  centeredCoMoment,
  covarianceOf,
  createMoments,
  effectiveCount,
  meanOf,
  mergeMoments,
  removeObservation,
  squaredWeightCoMoment,
  varianceOf,
  type Moments,
} from '../../../../src/jobs/experiments/stats/moments.js';
import { ErrorCodes, FlywheelError } from '../../../../src/core/errors.js';
import { seededRandom } from './simulation.js';

const near = (actual: number, expected: number, relative: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);

type Row = { y: number; x: number; w: number };

function rows(seed: number, count: number, level = 0): Row[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const x = level + 3 * random.normal();
    return { x, y: level + 2 + 0.5 * (x - level) + random.normal(), w: 0.5 + 2 * random.uniform() };
  });
}

function fill(data: Row[], weighted: boolean): Moments {
  const m = createMoments(['y', 'x']);
  for (const r of data) addObservation(m, r, weighted ? r.w : 1);
  return m;
}

/** Two-pass weighted statistics straight from the rows. */
function direct(data: Row[], weighted: boolean) {
  const w = data.map((r) => (weighted ? r.w : 1));
  const W = w.reduce((a, b) => a + b, 0);
  const W2 = w.reduce((a, b) => a + b * b, 0);
  const my = data.reduce((a, r, i) => a + w[i]! * r.y, 0) / W;
  const mx = data.reduce((a, r, i) => a + w[i]! * r.x, 0) / W;
  const cxy = data.reduce((a, r, i) => a + w[i]! * (r.y - my) * (r.x - mx), 0);
  const cyy = data.reduce((a, r, i) => a + w[i]! * (r.y - my) ** 2, 0);
  const c2yy = data.reduce((a, r, i) => a + w[i]! ** 2 * (r.y - my) ** 2, 0);
  return { my, mx, cxy, cyy, c2yy, denominator: W - W2 / W, ess: (W * W) / W2 };
}

test('unit weights: means, sample variance and covariance equal two-pass values', () => {
  const data = rows(1, 500);
  const m = fill(data, false);
  const d = direct(data, false);
  assert.equal(m.count, 500);
  near(meanOf(m, 'y'), d.my, 1e-13, 'mean y');
  near(meanOf(m, 'x'), d.mx, 1e-13, 'mean x');
  near(varianceOf(m, 'y'), d.cyy / 499, 1e-12, 'variance y (n - 1)');
  near(covarianceOf(m, 'y', 'x'), d.cxy / 499, 1e-12, 'covariance');
  near(covarianceOf(m, 'x', 'y'), covarianceOf(m, 'y', 'x'), 0, 'symmetric');
  assert.equal(effectiveCount(m), 500);
});

test('weights: weighted means, co-moments under w and w^2, reliability-weights variance, effective count', () => {
  const data = rows(2, 400);
  const m = fill(data, true);
  const d = direct(data, true);
  near(meanOf(m, 'y'), d.my, 1e-13, 'weighted mean');
  near(centeredCoMoment(m, 'y', 'x'), d.cxy, 1e-11, 'co-moment');
  near(squaredWeightCoMoment(m, 'y', 'y'), d.c2yy, 1e-11, 'squared-weight co-moment');
  near(varianceOf(m, 'y'), d.cyy / d.denominator, 1e-12, 'variance');
  near(effectiveCount(m), d.ess, 1e-12, 'Kish effective count');
});

test('retraction is the inverse of addition, including a user whose contribution is replaced', () => {
  const data = rows(3, 300);
  const m = fill(data, true);
  for (const r of data.slice(100, 200)) removeObservation(m, r, r.w);
  const kept = [...data.slice(0, 100), ...data.slice(200)];
  // A user's old contribution is retracted and the new one added, as the streaming stage does.
  removeObservation(m, kept[0]!, kept[0]!.w);
  kept[0] = { y: 40, x: -2, w: 1.5 };
  addObservation(m, kept[0], 1.5);
  const d = direct(kept, true);
  assert.equal(m.count, 200);
  near(meanOf(m, 'y'), d.my, 1e-12, 'mean after retractions');
  near(centeredCoMoment(m, 'y', 'x'), d.cxy, 1e-10, 'co-moment after retractions');
  near(squaredWeightCoMoment(m, 'y', 'y'), d.c2yy, 1e-10, 'squared-weight co-moment after retractions');
});

test('retracting everything leaves exact zeros, and the next observation starts afresh', () => {
  const data = rows(4, 50);
  const m = fill(data, true);
  for (const r of data) removeObservation(m, r, r.w);
  assert.equal(m.count, 0);
  assert.ok([m.weight, m.weightSquared, ...m.sum, ...m.cross, ...m.crossSquaredWeight, ...m.sumSquaredWeight].every((v) => v === 0));
  addObservation(m, { y: 5, x: 1 });
  assert.equal(meanOf(m, 'y'), 5);
  assert.throws(
    () => removeObservation(createMoments(['y']), { y: 1 }),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.STATE,
  );
});

test('merge equals one accumulator over both parts, whatever the shifts and the order', () => {
  const a = rows(5, 200, 1000);
  const b = rows(6, 150, -50);
  const whole = direct([...a, ...b], true);
  for (const merged of [mergeMoments(fill(a, true), fill(b, true)), mergeMoments(fill(b, true), fill(a, true))]) {
    assert.equal(merged.count, 350);
    near(meanOf(merged, 'y'), whole.my, 1e-12, 'merged mean');
    near(centeredCoMoment(merged, 'y', 'x'), whole.cxy, 1e-10, 'merged co-moment');
    near(squaredWeightCoMoment(merged, 'y', 'y'), whole.c2yy, 1e-10, 'merged squared-weight co-moment');
  }
  const empty = createMoments(['y', 'x']);
  assert.deepEqual(mergeMoments(empty, fill(a, true)), fill(a, true));
  assert.throws(() => mergeMoments(createMoments(['y']), createMoments(['x'])), FlywheelError);
});

test('values around 1e9 with unit spread keep their variance (the naive sum-of-squares formula loses it)', () => {
  const random = seededRandom(7);
  const values = Array.from({ length: 10000 }, () => 1e9 + random.normal());
  const m = createMoments(['y']);
  for (const v of values) addObservation(m, { y: v });
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const twoPass = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  const naive = (values.reduce((a, v) => a + v * v, 0) - values.reduce((a, b) => a + b, 0) ** 2 / values.length) / (values.length - 1);
  near(varianceOf(m, 'y'), twoPass, 1e-9, 'shifted sums');
  assert.ok(Math.abs(naive - twoPass) > 0.01, `the naive formula is visibly off here (${naive} vs ${twoPass}), so the test can tell`);
});

test('plain data: survives JSON and msgpack and keeps accumulating', () => {
  const data = rows(8, 100);
  const m = fill(data.slice(0, 60), true);
  for (const copy of [JSON.parse(JSON.stringify(m)) as Moments, unpack(pack(m)) as Moments]) {
    for (const r of data.slice(60)) addObservation(copy, r, r.w);
    near(meanOf(copy, 'y'), direct(data, true).my, 1e-13, 'mean after a round trip');
  }
});

test('bad input is refused with the variable named', () => {
  assert.throws(
    () => createMoments(['y', 'y']),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.CONFIG_INVALID,
  );
  const m = createMoments(['y', 'x']);
  assert.throws(() => addObservation(m, { y: 1 }), /"x" must be a finite number/);
  assert.throws(() => addObservation(m, { y: Number.NaN, x: 1 }), /"y" must be a finite number/);
  assert.throws(() => addObservation(m, { y: 1, x: 1 }, 0), /weight must be a finite number > 0/);
  assert.throws(() => meanOf(m, 'z'), /variable "z" is not among/);
  assert.equal(m.count, 0, 'a refused observation changes nothing');
});
