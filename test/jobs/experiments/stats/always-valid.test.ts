/**
 * Mixture SPRT: half-widths and p-values against the mixture likelihood ratio integrated numerically (reference
 * fixture), the interval and the p-value agreeing on every random input (property test), the p-value a running
 * minimum, and under a true null, watched after every update, the sequence excludes zero in at most alpha of
 * simulated experiments (tight enough to tell alpha from 2 alpha) while the fixed-horizon Welch interval watched the
 * same way does so far more often.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  alwaysValid,
  confidenceSequenceHalfWidth,
  MIN_UNITS_PER_ARM,
  mixtureLikelihoodRatioPValue,
  type AlwaysValidResult,
} from '../../../../src/jobs/experiments/stats/always-valid.js';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { differenceInMeans } from '../../../../src/jobs/experiments/stats/welch.js';
import { assertClose, QUADRATURE_TOLERANCE, reference } from './reference-values.js';
import { seededRandom } from './simulation.js';

test('the sequence bound is where 1 / Lambda = alpha, and is wider than the fixed-horizon interval', () => {
  for (const [v, tau2, alpha] of [
    [0.01, 0.04, 0.05],
    [2e-4, 1e-3, 0.01],
    [1, 0.5, 0.1],
  ] as const) {
    const half = confidenceSequenceHalfWidth(v, tau2, alpha);
    assert.ok(Math.abs(mixtureLikelihoodRatioPValue(half, v, tau2) - alpha) < 1e-12 * alpha);
    assert.ok(mixtureLikelihoodRatioPValue(1.01 * half, v, tau2) < alpha);
    assert.ok(half > 1.96 * Math.sqrt(v), 'always-valid costs width');
  }
  // Lambda = sqrt(V / (V + tau^2)) at estimate 0, so the p-value there is sqrt((V + tau^2) / V) capped at 1.
  assert.equal(mixtureLikelihoodRatioPValue(0, 1, 3), 1);
});

test('half-width, interval and p-value against the mixture likelihood ratio integrated numerically', () => {
  for (const c of reference.alwaysValid) {
    const what = `estimate ${c.estimate}, V ${c.variance}, tau^2 ${c.tau2}, alpha ${c.alpha}`;
    assertClose(confidenceSequenceHalfWidth(c.variance, c.tau2, c.alpha), c.halfWidth, QUADRATURE_TOLERANCE, `${what}: half-width`);
    const a = alwaysValid(c.estimate, c.variance, c.tau2, c.alpha);
    assertClose(a.lower, c.estimate - c.halfWidth, QUADRATURE_TOLERANCE, `${what}: lower`);
    assertClose(a.upper, c.estimate + c.halfWidth, QUADRATURE_TOLERANCE, `${what}: upper`);
    assertClose(a.pValue, c.pValue, QUADRATURE_TOLERANCE, `${what}: p-value`);
  }
  const { tau2, alpha, looks } = reference.alwaysValidLooks;
  let running: AlwaysValidResult | undefined;
  for (const [i, look] of looks.entries()) {
    running = alwaysValid(look.estimate, look.variance, tau2, alpha, running);
    assertClose(running.pValue, look.pValue, QUADRATURE_TOLERANCE, `running minimum at look ${i + 1}`);
  }
});

test("property: the interval excludes 0 exactly when the look's p-value is below alpha, over random inputs", () => {
  // Variance, tau^2 and alpha are fast-check doubles, spread over their orders of magnitude. The estimate is a multiple
  // k of the half-width drawn uniformly in [-3, 3]: fast-check's doubles crowd near 0 and would seldom land just
  // outside the boundary, where an interval at alpha / 2 and a p-value at alpha disagree (a band 1% to 40% of the
  // half-width wide). Within 1e-9 of |k| = 1 the two sides differ only by the rounding of two computations of the
  // same boundary, so those draws are left out.
  const positive = (min: number, max: number) => fc.double({ min, max, noNaN: true });
  const multiple = fc.integer({ min: -3_000_000, max: 3_000_000 }).map((i) => i / 1_000_000);
  const look = fc.record({ variance: positive(1e-9, 1e6), k: multiple });
  fc.assert(
    fc.property(positive(1e-9, 1e6), positive(1e-8, 0.5), fc.array(look, { minLength: 1, maxLength: 8 }), (tau2, alpha, looks) => {
      fc.pre(looks.every((l) => Math.abs(Math.abs(l.k) - 1) > 1e-9));
      let running: AlwaysValidResult | undefined;
      let [lower, upper, p] = [-Infinity, Infinity, 1];
      for (const { variance, k } of looks) {
        const estimate = k * confidenceSequenceHalfWidth(variance, tau2, alpha);
        const single = alwaysValid(estimate, variance, tau2, alpha);
        assert.equal(single.lower > 0 || single.upper < 0, single.pValue < alpha, `k ${k}: [${single.lower}, ${single.upper}], p ${single.pValue}`);
        running = alwaysValid(estimate, variance, tau2, alpha, running);
        [lower, upper, p] = [Math.max(lower, single.lower), Math.min(upper, single.upper), Math.min(p, single.pValue)];
        // The running interval is the intersection of the looks', the p-value their minimum, and the two agree.
        assert.deepEqual(running, { lower, upper, pValue: p });
        assert.equal(!(running.lower <= 0 && 0 <= running.upper), running.pValue < alpha, `running [${running.lower}, ${running.upper}], p ${running.pValue}`);
      }
    }),
    { numRuns: 3000, seed: 24 },
  );
});

test('the always-valid p-value never rises again, and the interval never widens', () => {
  const first = alwaysValid(0.5, 0.01, 0.04, 0.05);
  const second = alwaysValid(0.01, 0.01, 0.04, 0.05, first);
  const alone = alwaysValid(0.01, 0.01, 0.04, 0.05);
  assert.ok(first.pValue < 1e-3 && first.lower > 0);
  assert.equal(second.pValue, first.pValue);
  assert.ok(alone.lower < 0 && alone.upper > 0, 'the second look alone contains 0');
  assert.deepEqual([second.lower, second.upper], [first.lower, alone.upper], 'the running interval is the intersection, which still excludes 0');
});

/** Share of null experiments in which the always-valid and the naive interval ever exclude zero. */
function peeking(seed: number, runs: number, units: number, tau2: number, firstLook: number) {
  const random = seededRandom(seed);
  let alwaysValidHits = 0;
  let naiveHits = 0;
  for (let run = 0; run < runs; run++) {
    const control = createMoments(['y']);
    const treatment = createMoments(['y']);
    let a: AlwaysValidResult | undefined;
    let [sequential, naive] = [false, false];
    for (let i = 1; i <= units; i++) {
      addObservation(control, { y: random.normal() });
      addObservation(treatment, { y: random.normal() });
      const d = i >= firstLook ? differenceInMeans(control, treatment, 'y', 0.05) : null;
      if (!d) continue;
      naive ||= d.lower > 0 || d.upper < 0;
      a = alwaysValid(d.estimate, d.standardError ** 2, tau2, 0.05, a);
      sequential ||= a.lower > 0 || a.upper < 0;
    }
    alwaysValidHits += sequential ? 1 : 0;
    naiveHits += naive ? 1 : 0;
  }
  return { alwaysValid: alwaysValidHits / runs, naive: naiveHits / runs };
}

// Simulation error of a 5% rate over n runs is sqrt(0.05 * 0.95 / n); two of them are allowed above alpha.
const allowance = (runs: number) => 0.05 + 2 * Math.sqrt((0.05 * 0.95) / runs);

test('under a true null watched after every one of 1000 updates: always-valid <= 5%, naive far above', (t) => {
  const runs = 500;
  const rates = peeking(41, runs, 1000, 0.01, 2);
  t.diagnostic(`500 experiments, tau^2 0.01, watched from 2 units per arm: always-valid ${rates.alwaysValid}, naive ${rates.naive}`);
  assert.ok(rates.alwaysValid <= allowance(runs), `always-valid false-positive rate ${rates.alwaysValid}`);
  assert.ok(rates.naive >= 0.3, `naive false-positive rate ${rates.naive}`);
});

test("with a wide mixing distribution (tau^2 1) the guarantee holds from the report's minimum units per arm", (t) => {
  const runs = 400;
  const rates = peeking(42, runs, 600, 1, MIN_UNITS_PER_ARM);
  t.diagnostic(`400 experiments, tau^2 1, watched from ${MIN_UNITS_PER_ARM} units per arm: always-valid ${rates.alwaysValid}, naive ${rates.naive}`);
  assert.ok(rates.alwaysValid <= allowance(runs), `always-valid false-positive rate ${rates.alwaysValid}`);
  assert.ok(rates.naive >= 0.2, `naive false-positive rate ${rates.naive}`);
});

test('under a true effect the sequence covers it at every look in at least 95% of 400 experiments, and detects it', () => {
  const random = seededRandom(43);
  let everMissed = 0;
  let detected = 0;
  for (let run = 0; run < 400; run++) {
    const control = createMoments(['y']);
    const treatment = createMoments(['y']);
    let missed = false;
    let a: AlwaysValidResult | undefined;
    for (let i = 1; i <= 600; i++) {
      addObservation(control, { y: random.normal() });
      addObservation(treatment, { y: 0.3 + random.normal() });
      if (i < MIN_UNITS_PER_ARM) continue;
      const d = differenceInMeans(control, treatment, 'y', 0.05)!;
      a = alwaysValid(d.estimate, d.standardError ** 2, 0.09, 0.05, a);
      missed ||= a.lower > 0.3 || a.upper < 0.3;
    }
    everMissed += missed ? 1 : 0;
    detected += a!.pValue <= 0.05 ? 1 : 0;
  }
  assert.ok(everMissed / 400 <= allowance(400), `sequences that missed the truth at some look: ${everMissed / 400}`);
  // With 600 units per arm an effect of 0.3 sd has fixed-horizon power above 99%; the sequential test loses some.
  assert.ok(detected / 400 >= 0.9, `detected ${detected / 400}`);
});

/**
 * Share of null experiments whose always-valid interval excludes zero at some look: two arms of unit-variance
 * outcomes, a look after every unit per arm, the estimate's variance known (2 / n), as the reference fixture's
 * simulation. An experiment stops at its first exclusion (later looks cannot undo it).
 */
function nullFalsePositiveRate(runs: number, looks: number, tau2: number, alpha: number, seed: number): number {
  const random = seededRandom(seed);
  let hits = 0;
  for (let run = 0; run < runs; run++) {
    let [treatment, control, excluded] = [0, 0, false];
    let running: AlwaysValidResult | undefined;
    for (let n = 1; n <= looks && !excluded; n++) {
      treatment += random.normal();
      control += random.normal();
      running = alwaysValid((treatment - control) / n, 2 / n, tau2, alpha, running);
      excluded = running.lower > 0 || running.upper < 0;
    }
    hits += excluded ? 1 : 0;
  }
  return hits / runs;
}

test('false positives under continuous peeking: at most alpha, at the rate numpy finds, and unlike 2 alpha', (t) => {
  const { looks, tau2, runs: referenceRuns, rateAtAlpha } = reference.alwaysValidFalsePositive;
  const binomialSe = (rate: number, runs: number) => Math.sqrt((rate * (1 - rate)) / runs);
  // 10,000 experiments: the simulation error of a rate near alpha is then 0.0022, so the guarantee's allowance
  // alpha + 3 of them is 0.0565. A wrapper whose interval is at 2 alpha excludes zero in 0.0646 of these experiments
  // (numpy, 200,000 of them): over 3 of its own simulation errors above the allowance, so it fails. The rate is also
  // held to numpy's for this design (0.0318, within 3 simulation errors of both): a wrapper at alpha / 2 (0.0158)
  // fails that. About 6 s on the 2 shared cores of the development machine.
  const runs = 10_000;
  const rate = nullFalsePositiveRate(runs, looks, tau2, 0.05, 25);
  const allowance = 0.05 + 3 * binomialSe(0.05, runs);
  t.diagnostic(
    `${runs} null experiments watched over ${looks} looks, tau^2 ${tau2}: always-valid false-positive rate ${rate}, numpy ${rateAtAlpha['0.05']}, allowance ${allowance.toFixed(4)}`,
  );
  assert.ok(rate <= allowance, `false-positive rate ${rate} above alpha + 3 SE = ${allowance}`);
  const expected = rateAtAlpha['0.05']!;
  const band = 3 * (binomialSe(expected, runs) + binomialSe(expected, referenceRuns));
  assert.ok(Math.abs(rate - expected) <= band, `false-positive rate ${rate}, numpy ${expected} +- ${band}`);
  // The test's power against the two wrong levels, from numpy's rates: both lie more than 3 of their own simulation
  // errors outside what the assertions above accept.
  assert.ok(rateAtAlpha['0.1']! - 3 * binomialSe(rateAtAlpha['0.1']!, runs) > allowance);
  assert.ok(rateAtAlpha['0.025']! + 3 * binomialSe(rateAtAlpha['0.025']!, runs) < expected - band);
});
