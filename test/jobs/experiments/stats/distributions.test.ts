/**
 * Distribution functions against closed forms (full precision) and published table values (to the table's rounding).
 * Table values: NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7 (normal, t and chi-square tables).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalSurvival,
  studentTCdf,
  studentTQuantile,
  twoSidedNormalP,
  twoSidedStudentTP,
} from '../../../../src/jobs/experiments/stats/distributions.js';

const near = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);

test('normal: table values (4 decimals, so half a unit of the last digit) and symmetry', () => {
  near(normalCdf(1.96), 0.975, 0.00005, 'Phi(1.96)');
  near(normalCdf(1.0), 0.8413, 0.00005, 'Phi(1)');
  near(normalCdf(-2.58), 0.0049, 0.00005, 'Phi(-2.58)');
  near(normalQuantile(0.975), 1.96, 0.005, 'z 0.975');
  near(normalQuantile(0.95), 1.645, 0.0005, 'z 0.95');
  near(normalCdf(0.3) + normalCdf(-0.3), 1, 1e-15, 'symmetry');
  near(normalCdf(normalQuantile(0.123)), 0.123, 1e-14, 'quantile inverts cdf');
});

test('normal survival keeps precision deep in the tail where 1 - cdf rounds to 0', () => {
  assert.equal(1 - normalCdf(9), 0);
  // Mills ratio bounds: phi(z)/z * (1 - 1/z^2) < P(Z > z) < phi(z)/z, which pins P(Z > 9) within 1.3%.
  const phi = Math.exp(-81 / 2) / Math.sqrt(2 * Math.PI);
  const s = normalSurvival(9);
  assert.ok(s < phi / 9 && s > (phi / 9) * (1 - 1 / 81), `P(Z > 9) = ${s}`);
  near(twoSidedNormalP(1.959963984540054), 0.05, 1e-12, 'two-sided p at z 0.975');
});

test('Student t: closed forms for 1 and 2 degrees of freedom', () => {
  // df = 1 is Cauchy: F(t) = 1/2 + atan(t)/pi.  df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
  for (const t of [-7, -1.3, 0, 0.4, 2.5, 30]) {
    near(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-14, `Cauchy cdf at ${t}`);
    near(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-14, `t2 cdf at ${t}`);
  }
  near(studentTQuantile(0.975, 1), Math.tan(Math.PI * 0.475), 1e-10, 'Cauchy quantile');
});

test('Student t: table critical values (3 decimals) and the normal limit', () => {
  near(studentTQuantile(0.975, 10), 2.228, 0.0005, 't 0.975, 10');
  near(studentTQuantile(0.995, 5), 4.032, 0.0005, 't 0.995, 5');
  near(studentTQuantile(0.95, 30), 1.697, 0.0005, 't 0.95, 30');
  near(studentTCdf(1.96, 1e7), normalCdf(1.96), 1e-7, 'large df is normal');
  near(twoSidedStudentTP(2.228138851986274, 10), 0.05, 1e-9, 'two-sided p at t 0.975, 10');
});

test('chi-square survival: closed form for 2 degrees of freedom, table values, and the far tail', () => {
  for (const x of [0.1, 1, 5.991, 13.816, 60]) near(chiSquareSurvival(x, 2), Math.exp(-x / 2), 1e-14 + 1e-12 * Math.exp(-x / 2), `df 2 at ${x}`);
  near(chiSquareSurvival(3.841, 1), 0.05, 0.00005, 'chi2 0.95, 1');
  near(chiSquareSurvival(23.209, 10), 0.01, 0.00001, 'chi2 0.99, 10');
  near(chiSquareSurvival(16.266, 3), 0.001, 0.000001, 'chi2 0.999, 3');
  // df 1: P(X > x) = P(|Z| > sqrt(x)); at x = 200 that is 2.0884875837625688e-45 (scipy.stats.chi2.sf(200, 1)).
  near(chiSquareSurvival(200, 1) / 2.0884875837625688e-45, 1, 1e-9, 'far tail, relative');
  assert.equal(chiSquareSurvival(0, 4), 1);
});
