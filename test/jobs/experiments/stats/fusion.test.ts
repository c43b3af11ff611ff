/**
 * Fusion of randomized and observational estimates: the platform write-up's worked example, weights, the Bayesian
 * synthesis and its bias variance, and the disagreement warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuseEstimates } from '../../../../src/jobs/experiments/stats/fusion.js';
import { StatsWarningCodes } from '../../../../src/jobs/experiments/stats/warnings.js';
import { assertClose, assertEstimate, NORMAL_TOLERANCE, reference } from './reference-values.js';

test('worked example: RCT 5.22% (se 0.85%) and observational 4.89% (se 0.92%) fuse to about 5.07% (se about 0.62%)', () => {
  const f = fuseEstimates({ estimate: 0.0522, standardError: 0.0085 }, { estimate: 0.0489, standardError: 0.0092 }, { alpha: 0.05 });
  // By hand: precisions 1/0.0085^2 = 13840.8 and 1/0.0092^2 = 11814.7; weights 0.5395 and 0.4605;
  // fused 0.5395 * 5.22 + 0.4605 * 4.89 = 5.068%; se sqrt(1 / 25655.5) = 0.6243%.
  assert.ok(Math.abs(f.inverseVariance.estimate - 0.05068) < 5e-6, `fused ${f.inverseVariance.estimate}`);
  assert.ok(Math.abs(f.inverseVariance.standardError - 0.006243) < 5e-7, `se ${f.inverseVariance.standardError}`);
  assert.ok(Math.abs(f.inverseVariance.randomizedWeight - 0.5395) < 5e-5);
  assert.equal(f.inverseVariance.randomizedWeight + f.inverseVariance.observationalWeight, 1);
  assert.deepEqual(f.warnings, [], 'they agree within their errors');
  // Without bias variance the Bayesian synthesis (RCT as prior) is the same computation.
  assert.ok(Math.abs(f.bayesian.mean - f.inverseVariance.estimate) < 1e-15);
  assert.ok(Math.abs(f.bayesian.standardDeviation - f.inverseVariance.standardError) < 1e-15);
  assert.ok(Math.abs(f.bayesian.priorWeight - f.inverseVariance.randomizedWeight) < 1e-12);
});

test('inverse-variance fusion and the disagreement p-value against generalized least squares (reference fixture)', () => {
  for (const c of reference.fusion) {
    const f = fuseEstimates(c.randomized, c.observational, { alpha: reference.alpha });
    assertEstimate(f.inverseVariance, c.inverseVariance, NORMAL_TOLERANCE, 'fused');
    assertClose(f.disagreement.pValue, c.disagreementPValue, NORMAL_TOLERANCE, 'disagreement p-value');
  }
});

test('a bias variance moves the synthesis toward the randomized estimate', () => {
  const f = fuseEstimates(
    { estimate: 0.0522, standardError: 0.0085 },
    { estimate: 0.0489, standardError: 0.0092 },
    { alpha: 0.05, observationalBiasVariance: 0.01 ** 2 },
  );
  // Observational variance 0.0092^2 + 0.01^2 = 1.8464e-4; prior weight = (1/7.225e-5) / (1/7.225e-5 + 1/1.8464e-4) = 0.71875.
  assert.ok(Math.abs(f.bayesian.priorWeight - 0.71875) < 5e-5);
  assert.ok(f.bayesian.mean > f.inverseVariance.estimate && f.bayesian.mean < 0.0522);
});

test('estimates that disagree beyond their combined error are flagged', () => {
  // 1.794 vs -15.205 with se 0.671 and 0.9: z = 17 / 1.12 = 15.
  const f = fuseEstimates({ estimate: 1.794, standardError: 0.671 }, { estimate: -15.205, standardError: 0.9 }, { alpha: 0.05 });
  assert.deepEqual(
    f.warnings.map((w) => w.code),
    [StatsWarningCodes.ESTIMATES_DISAGREE],
  );
  assert.ok(f.disagreement.pValue < 1e-40);
  // Just inside: difference 1.9 combined se. Just outside: 2.0.
  const se = Math.sqrt(2);
  assert.equal(fuseEstimates({ estimate: 0, standardError: 1 }, { estimate: 1.9 * se, standardError: 1 }, { alpha: 0.05 }).warnings.length, 0);
  assert.equal(fuseEstimates({ estimate: 0, standardError: 1 }, { estimate: 2.0 * se, standardError: 1 }, { alpha: 0.05 }).warnings.length, 1);
});
