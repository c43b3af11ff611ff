/**
 * Metric bins against known values: AUC against brute-force pair counting (within the reported bound) and the
 * binormal closed form, log loss and calibration error on constructed data with exact answers, merging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { addExample, createMetricBins, mergeBins, summarize, type MetricBins } from '../../../src/jobs/model/metric-bins.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function gaussianStream(seed: number) {
  const random = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function exactAuc(examples: Array<[number, number]>): number {
  let pairs = 0;
  let wins = 0;
  for (const [p, y] of examples) {
    if (y !== 1) continue;
    for (const [q, z] of examples) {
      if (z !== 0) continue;
      pairs++;
      wins += p > q ? 1 : p === q ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

test('binned AUC is within its reported bound of the exact AUC, ties included', () => {
  const normal = gaussianStream(21);
  const random = mulberry32(22);
  const examples: Array<[number, number]> = [];
  for (let i = 0; i < 3000; i++) {
    // Some predictions repeat exactly (rounded), so exact ties occur as well.
    const raw = sigmoid(normal() * 1.5 - 1);
    const p = i % 3 === 0 ? Math.round(raw * 100) / 100 : raw;
    examples.push([p, random() < p ? 1 : 0]);
  }
  const bins = createMetricBins();
  for (const [p, y] of examples) addExample(bins, p, y);
  const s = summarize(bins);
  const exact = exactAuc(examples);
  assert.ok(s.aucErrorBound! < 0.01, `bound ${s.aucErrorBound}`);
  assert.ok(Math.abs(s.auc! - exact) <= s.aucErrorBound! + 1e-12, `binned ${s.auc} exact ${exact} bound ${s.aucErrorBound}`);
});

test('binormal scores: AUC = Phi(d / sqrt 2)', () => {
  // Positive logits ~ N(1, 1), negative ~ N(0, 1): AUC = Phi(1 / sqrt 2) = 0.76025 (standard normal table). With
  // 20000 of each, the standard error of the AUC is about 0.0033 (Hanley and McNeil 1982), so 0.012 is over 3.5 SE.
  const normal = gaussianStream(5);
  const bins = createMetricBins();
  for (let i = 0; i < 20000; i++) {
    addExample(bins, sigmoid(1 + normal()), 1);
    addExample(bins, sigmoid(normal()), 0);
  }
  assert.ok(Math.abs(summarize(bins).auc! - 0.76025) < 0.012, `auc ${summarize(bins).auc}`);
});

test('log loss and calibration on constructed data', () => {
  // Constant prediction 0.3 on exactly 30% positives: log loss -(0.3 ln 0.3 + 0.7 ln 0.7), calibrated.
  const calibrated = createMetricBins();
  for (let i = 0; i < 100; i++) addExample(calibrated, 0.3, i < 30 ? 1 : 0);
  const c = summarize(calibrated);
  assert.ok(Math.abs(c.logLoss! - -(0.3 * Math.log(0.3) + 0.7 * Math.log(0.7))) < 1e-12);
  assert.ok(Math.abs(c.expectedCalibrationError!) < 1e-12);
  assert.ok(Math.abs(c.observedOverExpected! - 1) < 1e-12);
  assert.equal(c.auc, 0.5, 'a constant score cannot rank');

  // Half predicted 0.15 with 10% positives, half 0.85 with 90%: each bin is off by 0.05, so ECE = 0.05; the
  // observed rate is 0.5 against an expected 0.5.
  const twoBins = createMetricBins();
  for (let i = 0; i < 100; i++) addExample(twoBins, 0.15, i < 10 ? 1 : 0);
  for (let i = 0; i < 100; i++) addExample(twoBins, 0.85, i < 90 ? 1 : 0);
  const t = summarize(twoBins);
  assert.ok(Math.abs(t.expectedCalibrationError! - 0.05) < 1e-12);
  assert.ok(Math.abs(t.observedOverExpected! - 1) < 1e-12);

  // Predicted 0.3, observed 50%: ECE 0.2, observed/expected 5/3.
  const under = createMetricBins();
  for (let i = 0; i < 10; i++) addExample(under, 0.3, i % 2);
  assert.ok(Math.abs(summarize(under).expectedCalibrationError! - 0.2) < 1e-12);
  assert.ok(Math.abs(summarize(under).observedOverExpected! - 5 / 3) < 1e-12);
});

test('extreme predictions keep the log loss finite and rank in the end bins', () => {
  const bins = createMetricBins();
  addExample(bins, 0, 1);
  addExample(bins, 1, 0);
  const s = summarize(bins);
  assert.ok(Number.isFinite(s.logLoss!) && s.logLoss! > 30);
  assert.equal(s.auc, 0);
});

test('merged bins summarize like one stream; bins are plain data', () => {
  const random = mulberry32(77);
  const a = createMetricBins();
  const b = createMetricBins();
  const all = createMetricBins();
  for (let i = 0; i < 4000; i++) {
    const p = random();
    const y = random() < p ? 1 : 0;
    addExample(i % 2 ? a : b, p, y);
    addExample(all, p, y);
  }
  const merged = summarize(mergeBins(a, b));
  const whole = summarize(all);
  for (const k of Object.keys(whole) as Array<keyof typeof whole>) assert.ok(Math.abs(merged[k]! - whole[k]!) < 1e-12, k);
  assert.deepEqual(JSON.parse(JSON.stringify(a)) as MetricBins, a);
});

test('empty and one-class bins have no AUC; bad input is a bad record', () => {
  assert.equal(summarize(createMetricBins()).logLoss, null);
  const positives = createMetricBins();
  addExample(positives, 0.7, 1);
  assert.equal(summarize(positives).auc, null);
  const bad = (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.BAD_RECORD;
  assert.throws(() => addExample(createMetricBins(), 1.2, 1), bad);
  assert.throws(() => addExample(createMetricBins(), 0.5, 0.5), bad);
});
