/**
 * Sample-ratio check against the two real experiments of the validation datasets (counts and p-values published in
 * their README and recomputed with scipy 1.17.1 stats.chisquare) and against closed forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRatioCheck } from '../../../../src/jobs/experiments/stats/sample-ratio.js';
import { FlywheelError } from '../../../../src/core/errors.js';

test('Hillstrom, three equal arms 21307 / 21387 / 21306: p = 0.9036929575604196, no mismatch', () => {
  const check = sampleRatioCheck([21307, 21387, 21306], [1, 1, 1]);
  assert.equal(check.degreesOfFreedom, 2);
  // With two degrees of freedom the survival function is exp(-x / 2) exactly.
  assert.ok(Math.abs(check.pValue - Math.exp(-check.chiSquare / 2)) < 1e-15);
  assert.ok(Math.abs(check.pValue - 0.9036929575604196) < 1e-12);
  assert.equal(check.mismatch, false);
});

test('Cookie Cats 44700 / 45489 on a 50/50 split: p = 0.008607987810836262, which passes the 0.001 threshold', () => {
  const check = sampleRatioCheck([44700, 45489], [50, 50]);
  assert.ok(Math.abs(check.pValue - 0.008607987810836262) < 1e-12);
  assert.deepEqual(check.expected, [45094.5, 45094.5]);
  assert.equal(check.mismatch, false);
  assert.equal(sampleRatioCheck([44700, 45489], [50, 50], 0.01).mismatch, true, 'a looser threshold flags it');
  // Flagged below the threshold, not at it.
  assert.equal(sampleRatioCheck([44700, 45489], [50, 50], check.pValue).mismatch, false, 'a p-value equal to the threshold');
});

test('an unequal configured split is respected and a broken one is flagged', () => {
  // 90/10 split, 9000/1000 observed: exactly as expected.
  assert.equal(sampleRatioCheck([9000, 1000], [9, 1]).chiSquare, 0);
  // 5100 / 4900 on a 90/10 split: chi-square = 3900^2/9000 + 3900^2/1000 = 16900.
  const broken = sampleRatioCheck([5100, 4900], [90, 10]);
  assert.ok(Math.abs(broken.chiSquare - 16900) < 1e-9);
  assert.equal(broken.mismatch, true);
  assert.equal(sampleRatioCheck([0, 0], [1, 1]).pValue, 1, 'no units yet is no evidence');
  assert.throws(() => sampleRatioCheck([1, 2], [1]), FlywheelError);
  assert.throws(() => sampleRatioCheck([1, 2], [1, 0]), /one positive split weight per arm/);
  assert.throws(
    () => sampleRatioCheck([5], [1]),
    /sample-ratio check needs one positive split weight per arm \(at least two arms\); got 1 counts and split \[1\]\n {2}hint: configure the expected split of every arm, e\.g\. \{ control: 50, treatment: 50 \}/,
  );
});
