/**
 * The deterministic t-digest: it never draws from Math.random, the same values in the same folds give an identical
 * stored digest, it keeps the exact count, and its quantiles are within the bound of the package's merge rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToDigest, digestCount, digestQuantiles } from '../../../src/jobs/features/seeded-tdigest.js';
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { empiricalRank } from './reference-features.js';

const DELTA = 0.05;

/** Log-normal values, folded in chunks of `chunk` the way snapshots fold staged prices. */
function fold(seed: number, count: number, chunk: number, digestSeed: number): { stored: number[]; values: number[] } {
  const r = mulberry32(seed);
  const values = Array.from({ length: count }, () => Math.exp(3 + 0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
  let stored: number[] = [];
  for (let i = 0; i < count; i += chunk) stored = addToDigest(stored, values.slice(i, i + chunk), DELTA, digestSeed);
  return { stored, values };
}

test('compressing never draws from Math.random', () => {
  const original = Math.random;
  Math.random = () => {
    throw new Error('Math.random was called');
  };
  try {
    const { stored } = fold(1, 5000, 250, 42);
    assert.ok(stored.length > 20);
  } finally {
    Math.random = original;
  }
});

test('the same values in the same folds give an identical digest', () => {
  const a = fold(2, 20_000, 97, 7).stored;
  const b = fold(2, 20_000, 97, 7).stored;
  assert.deepEqual(b, a);
  assert.notDeepEqual(fold(2, 20_000, 97, 8).stored, a, 'the seed matters: the test would see Math.random-style variation');
});

test('the count is exact and the quantiles are within 4 n delta q (1 - q) ranks', () => {
  const { stored, values } = fold(3, 50_000, 100, 11);
  assert.equal(digestCount(stored), values.length);
  const sorted = [...values].sort((a, b) => a - b);
  const qs = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
  const estimates = digestQuantiles(stored, qs, DELTA);
  qs.forEach((q, i) => {
    // A centroid at quantile q holds at most 4 n delta q (1 - q) values (the package's merge rule), so interpolating
    // inside it misplaces the rank by at most that fraction; plus one value for the discrete empirical rank.
    const bound = 4 * DELTA * q * (1 - q) + 1 / sorted.length;
    const rank = empiricalRank(sorted, estimates[i]!);
    assert.ok(Math.abs(rank - q) <= bound, `q ${q}: rank ${rank}, bound ${bound}`);
  });
});

test('an empty digest has no quantiles', () => {
  assert.deepEqual(digestQuantiles([], [0.5, 0.9], DELTA), [null, null]);
  assert.deepEqual(addToDigest([], [], DELTA, 1), []);
});
