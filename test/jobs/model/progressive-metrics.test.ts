/** Rolling progressive metrics: which examples the window covers as it slides, and merging windows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeBins, summarize } from '../../../src/jobs/model/metric-bins.js';
import { createRollingMetrics, observe, rollingSummary, windowBins } from '../../../src/jobs/model/progressive-metrics.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

test('the window keeps between (segments - 1) and segments full segments of the latest examples', () => {
  const metrics = createRollingMetrics({ segmentSize: 100, segments: 3 });
  for (let i = 0; i < 300; i++) observe(metrics, 0.9, 0);
  assert.equal(rollingSummary(metrics).count, 300);
  observe(metrics, 0.1, 0);
  assert.equal(rollingSummary(metrics).count, 201, 'the oldest segment was dropped to make room');
  for (let i = 1; i < 300; i++) observe(metrics, 0.1, 0);
  const s = rollingSummary(metrics);
  assert.equal(s.count, 300);
  assert.ok(Math.abs(s.meanPrediction! - 0.1) < 1e-12, 'nothing from before the last 300 examples remains');
});

test('windows of two partitions merge into one summary', () => {
  const a = createRollingMetrics({ segmentSize: 50, segments: 2 });
  const b = createRollingMetrics({ segmentSize: 50, segments: 2 });
  for (let i = 0; i < 40; i++) observe(a, 0.8, 1);
  for (let i = 0; i < 60; i++) observe(b, 0.2, 0);
  const s = summarize(mergeBins(windowBins(a), windowBins(b)));
  assert.equal(s.count, 100);
  assert.equal(s.auc, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
});

test('bad window settings are config errors', () => {
  assert.throws(
    () => createRollingMetrics({ segmentSize: 0, segments: 3 }),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.CONFIG_INVALID,
  );
  assert.throws(() => createRollingMetrics({ segmentSize: 10, segments: 1 }), /segments >= 2/);
});
