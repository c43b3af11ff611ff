/**
 * Holm and Benjamini-Hochberg adjusted p-values: a worked example by hand (BH also against scipy 1.17.1
 * stats.false_discovery_control), ties, monotonicity and the cap at 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustPValues, benjaminiHochbergAdjust, holmAdjust } from '../../../../src/jobs/experiments/stats/multiple-testing.js';

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-15);

test('worked example p = [0.01, 0.04, 0.03, 0.005]', () => {
  // Holm, sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, then running max: 0.02, 0.03, 0.06, 0.06.
  assert.ok(close(holmAdjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]));
  // BH, sorted times 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04 then running min from the top; scipy gives
  // [0.02, 0.04, 0.04, 0.02].
  assert.ok(close(benjaminiHochbergAdjust([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02]));
});

test('caps at 1, keeps the order of the raw p-values, and handles one test and ties', () => {
  assert.deepEqual(holmAdjust([0.6, 0.5]), [1, 1]);
  assert.deepEqual(benjaminiHochbergAdjust([0.7]), [0.7]);
  assert.deepEqual(holmAdjust([0.02, 0.02]), [0.04, 0.04]);
  const p = [0.001, 0.2, 0.013, 0.04, 0.9, 0.0101];
  for (const adjusted of [adjustPValues(p, 'holm'), adjustPValues(p, 'benjamini-hochberg')]) {
    const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!);
    for (let k = 1; k < order.length; k++) assert.ok(adjusted[order[k]!]! >= adjusted[order[k - 1]!]!);
    assert.ok(adjusted.every((v, i) => v >= p[i]! && v <= 1));
  }
  assert.throws(() => adjustPValues([0.1, Number.NaN], 'holm'), /must lie in \[0, 1\]/);
});

test('p-values of exactly 0 and 1 are valid (a z of 40 has a two-sided p-value that rounds to 0); outside [0, 1] they are not', () => {
  assert.deepEqual(adjustPValues([0, 0.5, 1], 'holm'), [0, 1, 1]);
  assert.deepEqual(adjustPValues([0, 0.5, 1], 'benjamini-hochberg'), [0, 0.75, 1]);
  for (const bad of [-0.01, 1.01, Number.POSITIVE_INFINITY]) {
    assert.throws(() => adjustPValues([0.1, bad], 'benjamini-hochberg'), new RegExp(`p-values to adjust must lie in \\[0, 1\\], got \\[0.1, ${bad}\\]`));
  }
});
