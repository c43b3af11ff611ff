/**
 * The job's metric values for the console: counters and gauges as they are now, batch latency quantiles as read at
 * most 15 s ago (reading them costs milliseconds of the main thread).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobMetrics } from '../../src/runtime/metrics.js';

const median = (values: Awaited<ReturnType<JobMetrics['values']>>) =>
  values.find((m) => m.name === 'flywheel_batch_seconds')!.values.find((v) => v.labels.quantile === 0.5)!.value;
const queued = (values: Awaited<ReturnType<JobMetrics['values']>>) => values.find((m) => m.name === 'flywheel_queued_records')!.values[0]!.value;

test('counters and gauges are current; quantiles are refreshed at most every 15 s', async () => {
  const metrics = new JobMetrics('job');
  for (let i = 0; i < 100; i++) metrics.batchSeconds.observe({ stage: '1' }, 0.01);
  metrics.queued.set(3);
  const start = 1_000_000;
  const first = await metrics.values(start);
  assert.equal(median(first), 0.01);
  assert.equal(queued(first), 3);

  for (let i = 0; i < 1000; i++) metrics.batchSeconds.observe({ stage: '1' }, 2);
  metrics.queued.set(9);
  const soon = await metrics.values(start + 14_999);
  assert.equal(queued(soon), 9, 'a gauge is read each time');
  assert.equal(median(soon), 0.01, 'the quantiles read 15 s ago at most');
  // The true median is now 2 s (1000 of 1100 observations); the t-digest interpolates between its centroids, so the
  // read value is near, not at, 2: far above the 0.01 s read before either way.
  const later = median(await metrics.values(start + 15_000));
  assert.ok(later > 1 && later <= 2, `then read again: ${later}`);
});
