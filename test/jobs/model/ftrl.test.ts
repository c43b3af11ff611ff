/**
 * FTRL-Proximal: single steps checked against the equations of McMahan et al. (2013) worked by hand, L1 sparsity,
 * convergence to the maximum-likelihood intercept, table growth, determinism and plain-data round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack, unpack } from 'msgpackr';
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { createFtrl, predict, update, weightOf, weights } from '../../../src/jobs/model/ftrl.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';
import { logisticWorld } from './logistic-world.js';

const one = (coord: number, value = 1) => ({ indices: [coord], values: [value] });

test('first step by hand: z = n = 0, so p = 0.5, g = -0.5, sigma = 0.5 / alpha, z = -0.5, n = 0.25', () => {
  const model = createFtrl({ alpha: 0.1, beta: 1, lambda1: 0.1, lambda2: 1 });
  assert.equal(update(model, one(42), 1), 0.5, 'the prediction returned is the one made before learning');
  // w = -(z - sign(z) lambda1) / ((beta + sqrt(n)) / alpha + lambda2) = 0.4 / ((1 + 0.5) / 0.1 + 1) = 0.4 / 16.
  assert.ok(Math.abs(weightOf(model, 42) - 0.025) < 1e-15);
  assert.equal(weightOf(model, 7), 0, 'an unseen coordinate has weight 0');
  assert.ok(Math.abs(predict(model, one(42)) - 1 / (1 + Math.exp(-0.025))) < 1e-15);
});

test('two steps with a feature value of 2, the second worked from the paper equations', () => {
  const [alpha, beta, lambda1, lambda2] = [0.1, 1, 0.1, 1];
  const model = createFtrl({ alpha, beta, lambda1, lambda2 });
  update(model, one(3, 2), 1);
  // Step 1: g = -0.5 * 2 = -1, sigma = 1 / 0.1 = 10, z = -1, n = 1, w = 0.9 / (2 / 0.1 + 1) = 0.9 / 21.
  const w1 = 0.9 / 21;
  assert.ok(Math.abs(weightOf(model, 3) - w1) < 1e-15);
  const p = 1 / (1 + Math.exp(-2 * w1));
  assert.ok(Math.abs(update(model, one(3, 2), 0) - p) < 1e-15);
  const g = p * 2;
  const sigma = (Math.sqrt(1 + g * g) - 1) / alpha;
  const z = -1 + g - sigma * w1;
  const n = 1 + g * g;
  const w2 = Math.abs(z) <= lambda1 ? 0 : -(z - Math.sign(z) * lambda1) / ((beta + Math.sqrt(n)) / alpha + lambda2);
  assert.ok(Math.abs(weightOf(model, 3) - w2) < 1e-15);
});

test('a strong L1 keeps every weight at exactly 0', () => {
  const model = createFtrl({ lambda1: 1e6 });
  const random = mulberry32(5);
  for (let i = 0; i < 2000; i++) update(model, { indices: [i % 17, 100 + (i % 5)], values: [1, random()] }, random() < 0.3 ? 1 : 0);
  assert.deepEqual(weights(model), { coords: [], weights: [] });
  assert.equal(predict(model, one(3)), 0.5);
});

test('the intercept converges to the maximum-likelihood logit of the observed rate', () => {
  const model = createFtrl({ lambda1: 0, lambda2: 0 });
  const random = mulberry32(3);
  let positives = 0;
  const examples = 20000;
  for (let i = 0; i < examples; i++) {
    const y = random() < 0.2 ? 1 : 0;
    positives += y;
    update(model, one(5), y);
  }
  const rate = positives / examples;
  // Late steps are alpha / sqrt(n) ~ 0.1 / sqrt(0.16 * 20000) ~ 0.002 per unit gradient; the iterate wanders around
  // the optimum with a standard deviation of about 0.03, so 0.1 is over three of those.
  assert.ok(Math.abs(weightOf(model, 5) - Math.log(rate / (1 - rate))) < 0.1, `w = ${weightOf(model, 5)}`);
  assert.equal(model.examples, examples);
});

test('thousands of coordinates grow the table without losing or mixing state', () => {
  const model = createFtrl({ alpha: 0.1, beta: 1, lambda1: 0.1, lambda2: 1 });
  const coords = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1048576);
  for (const c of coords) update(model, one(c), 1);
  assert.ok(model.coords.keys.length >= 2 * coords.length);
  // Each coordinate saw one positive example from z = n = 0: the hand-worked first step, w = 0.025.
  const published = weights(model);
  assert.deepEqual(
    published.coords,
    [...coords].sort((a, b) => a - b),
  );
  assert.ok(published.weights.every((w) => Math.abs(w - 0.025) < 1e-15));
});

test('learning is deterministic and the model round-trips through JSON and msgpack', () => {
  const train = (n: number) => {
    const world = logisticWorld({ seed: 9, segments: 4, categories: 6, weightScale: 0.5, bias: -1 });
    const model = createFtrl();
    for (let i = 0; i < n; i++) {
      const e = world.next();
      update(model, e.features, e.label);
    }
    return { model, world };
  };
  const a = train(3000);
  assert.deepEqual(a.model, train(3000).model);
  const fromJson = JSON.parse(JSON.stringify(a.model));
  const fromMsgpack = unpack(pack(a.model));
  assert.deepEqual(fromJson, a.model);
  assert.deepEqual(fromMsgpack, a.model);
  for (let i = 0; i < 500; i++) {
    const e = a.world.next();
    const p = update(a.model, e.features, e.label);
    assert.equal(update(fromJson, e.features, e.label), p);
    assert.equal(update(fromMsgpack, e.features, e.label), p);
  }
});

test('bad parameters and labels are rejected with their codes', () => {
  const code = (c: string) => (e: unknown) => e instanceof FlywheelError && e.code === c;
  assert.throws(() => createFtrl({ alpha: 0 }), code(ErrorCodes.CONFIG_INVALID));
  assert.throws(() => createFtrl({ lambda1: -1 }), code(ErrorCodes.CONFIG_INVALID));
  assert.throws(() => createFtrl({ beta: Number.NaN }), code(ErrorCodes.CONFIG_INVALID));
  assert.throws(() => update(createFtrl(), one(1), 2), code(ErrorCodes.BAD_RECORD));
  assert.throws(() => update(createFtrl(), one(1), Number.NaN), code(ErrorCodes.BAD_RECORD));
});
