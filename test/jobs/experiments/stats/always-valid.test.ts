/**
 * Mixture SPRT: the confidence sequence and the p-value agree at the boundary (closed form), the p-value is a
 * running minimum, and under a true null, watched after every update, the sequence excludes zero in at most alpha of
 * simulated experiments while the fixed-horizon Welch interval watched the same way does so far more often.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alwaysValid, confidenceSequenceHalfWidth, MIN_UNITS_PER_ARM, mixtureLikelihoodRatioPValue } from '../../../../src/jobs/experiments/stats/always-valid.js';
import { addObservation, createMoments } from '../../../../src/jobs/experiments/stats/moments.js';
import { differenceInMeans } from '../../../../src/jobs/experiments/stats/welch.js';
import { seededRandom } from './simulation.js';

test('the sequence bound is where 1 / Lambda = alpha, and is wider than the fixed-horizon interval', () => {
  for (const [v, tau2, alpha] of [[0.01, 0.04, 0.05], [2e-4, 1e-3, 0.01], [1, 0.5, 0.1]] as const) {
    const half = confidenceSequenceHalfWidth(v, tau2, alpha);
    assert.ok(Math.abs(mixtureLikelihoodRatioPValue(half, v, tau2) - alpha) < 1e-12 * alpha);
    assert.ok(mixtureLikelihoodRatioPValue(1.01 * half, v, tau2) < alpha);
    assert.ok(half > 1.96 * Math.sqrt(v), 'always-valid costs width');
  }
  // Lambda = sqrt(V / (V + tau^2)) at estimate 0, so the p-value there is sqrt((V + tau^2) / V) capped at 1.
  assert.equal(mixtureLikelihoodRatioPValue(0, 1, 3), 1);
});

test('the always-valid p-value never rises again', () => {
  const first = alwaysValid(0.5, 0.01, 0.04, 0.05);
  const second = alwaysValid(0.01, 0.01, 0.04, 0.05, first.pValue);
  assert.ok(first.pValue < 1e-3);
  assert.equal(second.pValue, first.pValue);
  assert.ok(second.lower < 0 && second.upper > 0, 'the interval itself is this look\'s');
});

/** Share of null experiments in which the always-valid and the naive interval ever exclude zero. */
function peeking(seed: number, runs: number, units: number, tau2: number, firstLook: number) {
  const random = seededRandom(seed);
  let alwaysValidHits = 0;
  let naiveHits = 0;
  for (let run = 0; run < runs; run++) {
    const control = createMoments(['y']);
    const treatment = createMoments(['y']);
    let p = 1;
    let [sequential, naive] = [false, false];
    for (let i = 1; i <= units; i++) {
      addObservation(control, { y: random.normal() });
      addObservation(treatment, { y: random.normal() });
      const d = i >= firstLook ? differenceInMeans(control, treatment, 'y', 0.05) : null;
      if (!d) continue;
      naive ||= d.lower > 0 || d.upper < 0;
      const a = alwaysValid(d.estimate, d.standardError ** 2, tau2, 0.05, p);
      p = a.pValue;
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

test('with a wide mixing distribution (tau^2 1) the guarantee holds from the report\'s minimum units per arm', (t) => {
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
    let [missed, p] = [false, 1];
    for (let i = 1; i <= 600; i++) {
      addObservation(control, { y: random.normal() });
      addObservation(treatment, { y: 0.3 + random.normal() });
      if (i < MIN_UNITS_PER_ARM) continue;
      const d = differenceInMeans(control, treatment, 'y', 0.05)!;
      const a = alwaysValid(d.estimate, d.standardError ** 2, 0.09, 0.05, p);
      p = a.pValue;
      missed ||= a.lower > 0.3 || a.upper < 0.3;
    }
    everMissed += missed ? 1 : 0;
    detected += p <= 0.05 ? 1 : 0;
  }
  assert.ok(everMissed / 400 <= allowance(400), `sequences that missed the truth at some look: ${everMissed / 400}`);
  // With 600 units per arm an effect of 0.3 sd has fixed-horizon power above 99%; the sequential test loses some.
  assert.ok(detected / 400 >= 0.9, `detected ${detected / 400}`);
});
