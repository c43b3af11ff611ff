/**
 * Normal-normal posterior: conjugate formulas worked by hand, the flat-prior limit that reproduces the frequentist
 * interval, and the probability of beating control.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalPosterior, posteriorEffect } from '../../../../src/jobs/experiments/stats/bayesian.js';
import { assertClose, QUADRATURE_TOLERANCE, reference } from './reference-values.js';

test('conjugate update worked by hand: prior N(0, 4), estimate 3 with se 2', () => {
  // Precisions 1/4 + 1/4 = 1/2, so variance 2 and mean (0 + 3/4) / (1/2) = 1.5.
  assert.deepEqual(normalPosterior({ mean: 0, variance: 4 }, 3, 2), { mean: 1.5, variance: 2 });
  const p = posteriorEffect({ mean: 0, variance: 4 }, 3, 2, 0.05);
  assert.equal(p.priorWeight, 0.5);
  // P(effect > 0) = Phi(1.5 / sqrt 2) = Phi(1.0606601717798212) = 0.8555778168267576 (scipy 1.17.1 norm.cdf).
  assert.ok(Math.abs(p.probabilityPositive - 0.8555778168267576) < 1e-12);
  assert.ok(Math.abs(p.upper - 1.5 - 1.959963984540054 * Math.SQRT2) < 1e-12);
});

test('posterior mean, sd, P(effect > 0) and credible interval against prior x likelihood integrated numerically', () => {
  for (const c of reference.bayesian) {
    const p = posteriorEffect(c.prior, c.estimate, c.standardError, c.alpha);
    const what = `prior N(${c.prior.mean}, ${c.prior.variance}), estimate ${c.estimate} +- ${c.standardError}`;
    assertClose(p.mean, c.mean, QUADRATURE_TOLERANCE, `${what}: mean`);
    assertClose(p.standardDeviation, c.standardDeviation, QUADRATURE_TOLERANCE, `${what}: sd`);
    assertClose(p.probabilityPositive, c.probabilityPositive, QUADRATURE_TOLERANCE, `${what}: P(effect > 0)`);
    assertClose(p.lower, c.lower, QUADRATURE_TOLERANCE, `${what}: lower`);
    assertClose(p.upper, c.upper, QUADRATURE_TOLERANCE, `${what}: upper`);
  }
});

test('a flat prior gives back the estimate and its normal interval; a tight prior holds the estimate back', () => {
  const flat = posteriorEffect({ mean: 0, variance: 1e12 }, 0.8, 0.3, 0.05);
  assert.ok(Math.abs(flat.mean - 0.8) < 1e-9 && Math.abs(flat.standardDeviation - 0.3) < 1e-9);
  assert.ok(Math.abs(flat.lower - (0.8 - 1.959963984540054 * 0.3)) < 1e-8);
  const tight = posteriorEffect({ mean: 0, variance: 1e-6 }, 0.8, 0.3, 0.05);
  assert.ok(Math.abs(tight.mean) < 1e-4 && tight.priorWeight > 0.9999);
  assert.ok(posteriorEffect({ mean: 0, variance: 1 }, -0.5, 0.1, 0.05).probabilityPositive < 1e-5);
});
