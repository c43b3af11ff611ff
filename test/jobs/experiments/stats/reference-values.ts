/**
 * The independent reference values of the experiment statistics (computed with numpy/scipy by
 * test/jobs/experiments/fixtures/stats-reference.py, committed as stats-reference.json), typed, and the comparison
 * the tests make against them, and the arm moments of the fixture's columns.
 *
 * Tolerances are relative. Two implementations of the same number differ by rounding: summation order and the shifted
 * sums of the moments (about 1e-15), the normal distribution functions of @stdlib against scipy's (1e-15), Student's t
 * (different series, agreeing to about 1e-11), the quadratures and root finding of the generator (1e-13 requested).
 * Every formula error this guards against (a missing or doubled term, a wrong power, z / 2) moves a figure by a few
 * per cent or more, millions of times the tolerance.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Estimate } from '../../../../src/jobs/experiments/stats/estimate.js';
import { addObservation, createMoments, type Moments } from '../../../../src/jobs/experiments/stats/moments.js';

/** Tolerance of figures on a normal reference or from closed forms. */
export const NORMAL_TOLERANCE = 1e-12;
/** Tolerance of figures on Student's t reference (p-values, interval ends, degrees of freedom). */
export const STUDENT_T_TOLERANCE = 1e-9;
/** Tolerance of figures the generator integrated numerically. */
export const QUADRATURE_TOLERANCE = 1e-10;

export type ReferenceEstimate = Omit<Estimate, 'degreesOfFreedom'> & { degreesOfFreedom?: number };

interface Arms<T> {
  control: T;
  treatment: T;
}

export interface StatsReference {
  alpha: number;
  twoArms: Arms<number[]> & { welch: ReferenceEstimate; relativeLift: ReferenceEstimate };
  ratio: Arms<{ numerator: number[]; denominator: number[] }> & {
    controlArm: { ratio: number; variance: number };
    treatmentArm: { ratio: number; variance: number };
    difference: ReferenceEstimate;
  };
  nonCompliance: Arms<{ y: number[]; d: number[] }> & {
    intentToTreat: ReferenceEstimate;
    firstStage: ReferenceEstimate;
    firstStageF: number;
    complierEffect: ReferenceEstimate;
    varianceTerms: { varIttY: number; minusTwoBetaCov: number; betaSquaredVarIttD: number };
  };
  ipw: { units: Array<{ y: number; treated: boolean; propensity: number }>; effect: ReferenceEstimate; naive: ReferenceEstimate };
  alwaysValid: Array<{ estimate: number; variance: number; tau2: number; alpha: number; halfWidth: number; pValue: number }>;
  alwaysValidLooks: { tau2: number; alpha: number; looks: Array<{ estimate: number; variance: number; pValue: number }> };
  alwaysValidFalsePositive: { looks: number; tau2: number; runs: number; rateAtAlpha: Record<string, number> };
  bayesian: Array<{
    prior: { mean: number; variance: number };
    estimate: number;
    standardError: number;
    alpha: number;
    mean: number;
    standardDeviation: number;
    probabilityPositive: number;
    lower: number;
    upper: number;
  }>;
  fusion: Array<{
    randomized: { estimate: number; standardError: number };
    observational: { estimate: number; standardError: number };
    inverseVariance: ReferenceEstimate;
    disagreementPValue: number;
  }>;
}

const file = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../test/jobs/experiments/fixtures/stats-reference.json');

export const reference = JSON.parse(readFileSync(file, 'utf8')) as StatsReference;

/** |actual - expected| within `tolerance` of |expected|. */
export function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.abs(expected), `${what}: ${actual}, reference ${expected} (relative tolerance ${tolerance})`);
}

/**
 * Every figure of an estimate against the reference: point estimate and standard error at NORMAL_TOLERANCE; the
 * p-value, interval and degrees of freedom at `referenceTolerance` (that of the distribution they come from).
 */
export function assertEstimate(actual: Estimate | null | undefined, expected: ReferenceEstimate, referenceTolerance: number, what: string): void {
  assert.ok(actual, `${what}: no estimate`);
  assertClose(actual.estimate, expected.estimate, NORMAL_TOLERANCE, `${what} estimate`);
  assertClose(actual.standardError, expected.standardError, NORMAL_TOLERANCE, `${what} standard error`);
  assertClose(actual.pValue, expected.pValue, referenceTolerance, `${what} p-value`);
  assertClose(actual.lower, expected.lower, referenceTolerance, `${what} lower`);
  assertClose(actual.upper, expected.upper, referenceTolerance, `${what} upper`);
  assert.equal(actual.degreesOfFreedom === undefined, expected.degreesOfFreedom === undefined, `${what}: reference distribution`);
  if (expected.degreesOfFreedom !== undefined)
    assertClose(actual.degreesOfFreedom!, expected.degreesOfFreedom, referenceTolerance, `${what} degrees of freedom`);
}

/** Moments of equally long columns, one observation per index: { y: [...], x: [...] }. */
export function momentsOfColumns(columns: Readonly<Record<string, readonly number[]>>): Moments {
  const names = Object.keys(columns);
  const m = createMoments(names);
  for (let i = 0; i < columns[names[0]!]!.length; i++) addObservation(m, Object.fromEntries(names.map((n) => [n, columns[n]![i]!])));
  return m;
}
