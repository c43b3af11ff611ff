/** Published model versions: snapshots, deltas (exact and thresholded), version checks, and scorer tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFtrl, predict, update } from '../../../src/jobs/model/ftrl.js';
import {
  applyDelta,
  deltaBetween,
  patchScoringWeights,
  scoreWith,
  scoringWeights,
  snapshotOf,
  type ModelSnapshot,
} from '../../../src/jobs/model/model-versions.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';
import { logisticWorld } from './logistic-world.js';

const snap = (version: number, entries: Array<[number, number]>): ModelSnapshot => ({
  version,
  coords: entries.map((e) => e[0]),
  weights: entries.map((e) => e[1]),
});

test('a delta lists changed, new and dropped coordinates, and applying it gives the next snapshot', () => {
  const base = snap(1, [
    [1, 0.5],
    [3, 0.2],
    [7, -1],
  ]);
  const next = snap(2, [
    [3, 0.2],
    [5, 0.4],
    [7, -0.9],
  ]);
  const delta = deltaBetween(base, next);
  assert.deepEqual(delta, { fromVersion: 1, version: 2, coords: [1, 5, 7], weights: [0, 0.4, -0.9] });
  assert.deepEqual(applyDelta(base, delta), next);
});

test('deltas between trained versions rebuild every snapshot exactly, and scorers agree with the learner', () => {
  const world = logisticWorld({ seed: 4, segments: 6, categories: 10, weightScale: 0.5, bias: -1 });
  const model = createFtrl({ lambda1: 0.5 });
  let published = snapshotOf(model, 0);
  const scorer = scoringWeights(published);
  for (let version = 1; version <= 5; version++) {
    for (let i = 0; i < 2000; i++) {
      const e = world.next();
      update(model, e.features, e.label);
    }
    const next = snapshotOf(model, version);
    const delta = deltaBetween(published, next);
    published = applyDelta(published, delta);
    assert.deepEqual(published, next);
    patchScoringWeights(scorer, delta);
  }
  assert.equal(scorer.version, 5);
  for (let i = 0; i < 200; i++) {
    const e = world.next();
    assert.ok(Math.abs(scoreWith(scorer, e.features) - predict(model, e.features)) < 1e-12);
  }
});

test('with a minimum change, what scorers hold never drifts further than it from the model', () => {
  // Many coordinates and few examples per version, as between frequent publications: most weights stay put.
  const world = logisticWorld({ seed: 8, segments: 20, categories: 100, weightScale: 0.5, bias: -1 });
  const model = createFtrl({ lambda1: 0.2 });
  const minChange = 0.01;
  let published = snapshotOf(model, 0);
  let fullSize = 0;
  let deltaSize = 0;
  for (let version = 1; version <= 30; version++) {
    for (let i = 0; i < 300; i++) {
      const e = world.next();
      update(model, e.features, e.label);
    }
    const next = snapshotOf(model, version);
    const delta = deltaBetween(published, next, minChange);
    published = applyDelta(published, delta);
    fullSize += next.coords.length;
    deltaSize += delta.coords.length;
    const held = new Map(published.coords.map((c, i) => [c, published.weights[i]!]));
    next.coords.forEach((c, i) => assert.ok(Math.abs((held.get(c) ?? 0) - next.weights[i]!) <= minChange));
  }
  assert.ok(deltaSize < fullSize / 2, `deltas carried ${deltaSize} weights against ${fullSize} in full snapshots`);
});

test('a delta for another version is refused', () => {
  const isState = (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.STATE && /does not apply to version 1/.test(e.message);
  const delta = deltaBetween(snap(2, []), snap(3, [[1, 1]]));
  assert.throws(() => applyDelta(snap(1, []), delta), isState);
  assert.throws(() => patchScoringWeights(scoringWeights(snap(1, [])), delta), isState);
});
