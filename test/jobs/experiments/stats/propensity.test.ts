/**
 * Online propensity model: one pass of recursive Newton steps lands close to the batch maximum-likelihood fit
 * (computed here by iteratively reweighted least squares over the raw rows) even with covariates on very different
 * scales; the first step worked by hand; plain-data round trips and refused input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPropensityModel, learnPropensity, propensityOf, type PropensityModel } from '../../../../src/jobs/experiments/stats/propensity.js';
import { FlywheelError } from '../../../../src/core/errors.js';
import { seededRandom } from './simulation.js';

type Row = { age: number; income: number; treated: boolean };

function world(seed: number, units: number): Row[] {
  const random = seededRandom(seed);
  return Array.from({ length: units }, () => {
    const age = random.normal();
    const income = 5000 + 2000 * random.normal();
    const margin = -0.5 + 0.8 * age - 0.0004 * income;
    return { age, income, treated: random.uniform() < 1 / (1 + Math.exp(-margin)) };
  });
}

/** Solves the 3 x 3 system A x = b by Gaussian elimination (A is positive definite here). */
function solve3(A: number[][], b: number[]): number[] {
  const m = A.map((row, i) => [...row, b[i]!]);
  for (let i = 0; i < 3; i++)
    for (let k = i + 1; k < 3; k++) {
      const f = m[k]![i]! / m[i]![i]!;
      for (let j = i; j < 4; j++) m[k]![j]! -= f * m[i]![j]!;
    }
  const x = [0, 0, 0];
  for (let i = 2; i >= 0; i--) x[i] = (m[i]![3]! - [1, 2].filter((j) => j > i).reduce((s, j) => s + m[i]![j]! * x[j]!, 0)) / m[i]![i]!;
  return x;
}

/** Batch maximum likelihood by Newton-Raphson (IRLS), with the standard errors from the inverse information. */
function batchFit(rows: Row[]): { coefficients: number[]; standardErrors: number[] } {
  let theta = [0, 0, 0];
  let H: number[][] = [];
  for (let iteration = 0; iteration < 25; iteration++) {
    H = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const g = [0, 0, 0];
    for (const r of rows) {
      const z = [1, r.age, r.income];
      const p = 1 / (1 + Math.exp(-(theta[0]! + theta[1]! * r.age + theta[2]! * r.income)));
      for (let i = 0; i < 3; i++) {
        g[i]! += ((r.treated ? 1 : 0) - p) * z[i]!;
        for (let j = 0; j < 3; j++) H[i]![j]! += p * (1 - p) * z[i]! * z[j]!;
      }
    }
    const step = solve3(H, g);
    theta = theta.map((v, i) => v + step[i]!);
  }
  const standardErrors = [0, 1, 2].map((i) =>
    Math.sqrt(
      solve3(
        H,
        [0, 1, 2].map((j) => (j === i ? 1 : 0)),
      )[i]!,
    ),
  );
  return { coefficients: theta, standardErrors };
}

test('one online pass is within one standard error of the batch maximum-likelihood fit, covariates in 1 and 1000s', () => {
  const rows = world(51, 20000);
  const model = createPropensityModel(['age', 'income']);
  for (const r of rows) learnPropensity(model, r, r.treated);
  const batch = batchFit(rows);
  // The recursive estimate linearizes around early, rougher coefficients, so it is not the MLE exactly; the two agree
  // to well inside the MLE's own sampling error, which is what matters for weights.
  model.coefficients.forEach((c, i) => {
    const gap = Math.abs(c - batch.coefficients[i]!) / batch.standardErrors[i]!;
    assert.ok(gap < 1, `coefficient ${i}: online ${c}, batch ${batch.coefficients[i]} (${gap.toFixed(2)} standard errors apart)`);
  });
  // And both are near the truth (-0.5, 0.8, -0.0004), within three standard errors.
  [-0.5, 0.8, -0.0004].forEach((truth, i) => assert.ok(Math.abs(batch.coefficients[i]! - truth) < 3 * batch.standardErrors[i]!));
  assert.equal(model.count, 20000);
});

test('standardized covariates: the same fitted probabilities, coefficients in standard-deviation units', () => {
  const rows = world(53, 20000);
  const raw = createPropensityModel(['age', 'income']);
  const standardized = createPropensityModel(['age', 'income'], { standardization: { income: { center: 5000, scale: 2000 } } });
  for (const r of rows) {
    learnPropensity(raw, r, r.treated);
    learnPropensity(standardized, r, r.treated);
  }
  // Income enters as (income - 5000) / 2000, so its coefficient is 2000 times the raw one (truth -0.8), and the
  // intercept absorbs 5000 times the raw income coefficient (truth -0.5 - 2 = -2.5). Both are one-pass fits of the
  // same likelihood; their gap is a few hundredths, well inside the MLE's standard errors (0.02 to 0.06).
  assert.ok(Math.abs(standardized.coefficients[2]! - 2000 * raw.coefficients[2]!) < 0.05, `${standardized.coefficients} vs ${raw.coefficients}`);
  assert.ok(Math.abs(standardized.coefficients[0]! - (raw.coefficients[0]! + 5000 * raw.coefficients[2]!)) < 0.05);
  for (const r of rows.slice(0, 50)) assert.ok(Math.abs(propensityOf(standardized, r) - propensityOf(raw, r)) < 0.01);
});

test('first step by hand: p = 0.5, h = 0.25, P = I / lambda updated by Sherman-Morrison', () => {
  const model = createPropensityModel(['x'], { priorPrecision: 1 });
  assert.equal(learnPropensity(model, { x: 2 }, true), 0.5);
  // z = (1, 2), z^T P z = 5, so P_new z = z / (1 + 0.25 * 5) = z / 2.25 and the step is 0.5 * z / 2.25.
  assert.ok(Math.abs(model.coefficients[0]! - 0.5 / 2.25) < 1e-15);
  assert.ok(Math.abs(model.coefficients[1]! - 1 / 2.25) < 1e-15);
  // P_new = I - 0.25 z z^T / 2.25.
  assert.ok(Math.abs(model.inverseHessian[1]! - -0.5 / 2.25) < 1e-15);
  assert.ok(Math.abs(propensityOf(model, { x: 0 }) - 1 / (1 + Math.exp(-0.5 / 2.25))) < 1e-15);
});

test('plain data round trip keeps learning identically; bad covariates and settings are refused', () => {
  const rows = world(52, 200);
  const a = createPropensityModel(['age', 'income']);
  for (const r of rows.slice(0, 100)) learnPropensity(a, r, r.treated);
  const b = JSON.parse(JSON.stringify(a)) as PropensityModel;
  for (const r of rows.slice(100)) {
    learnPropensity(a, r, r.treated);
    learnPropensity(b, r, r.treated);
  }
  assert.deepEqual(b, a);
  assert.throws(() => learnPropensity(a, { age: 1 }, true), /"income" must be a finite number/);
  assert.throws(() => createPropensityModel(['x'], { priorPrecision: 0 }), FlywheelError);
  assert.throws(() => createPropensityModel(['x'], { standardization: { x: { center: 0, scale: 0 } } }), /"x" needs a finite center and a finite scale > 0/);
});
