/**
 * The console's job status from a real prom-client registry of the job's metrics: totals per step, rates between two
 * samples as the counters' increase over the seconds between them, watermarks (none while the gauge is 0), the lag
 * behind the clock, queues, and the endpoint's CPU share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { JobMetrics } from '../../../src/runtime/metrics.js';
import { jobStatus, sampleOf } from '../../../src/query/console/job-status.js';

const plan = {
  keyGroups: 128,
  slots: 4,
  stages: [
    { index: 0, entry: null, steps: ['events', 'parse'] },
    { index: 1, entry: 'by-user', steps: ['by-user', 'counts'] },
  ],
  steps: [
    { id: 'events', kind: 'source', from: [] },
    { id: 'parse', kind: 'map', from: ['events'] },
    { id: 'by-user', kind: 'keyBy', from: ['parse'] },
    { id: 'counts', kind: 'process', from: ['by-user'] },
  ],
};

test('totals, rates over the seconds between two samples, watermarks, queues and the endpoint CPU share', async () => {
  const metrics = new JobMetrics('job');
  const cpu = new Counter({ name: 'flywheel_query_endpoint_cpu_seconds_total', help: 'cpu', registers: [metrics.registry] });
  metrics.addCounts({
    events: { in: 100, out: 99, errors: 1, skipped: 0, deadLettered: 1, late: 0 },
    counts: { in: 50, out: 10, errors: 0, skipped: 0, deadLettered: 0, late: 2 },
  });
  metrics.watermark.set({ stage: '0' }, 0);
  metrics.watermark.set({ stage: '1' }, 1_000_000);
  metrics.queued.set(7);
  metrics.consumerLag.set({ source: 'events', partition: '3' }, 12);
  cpu.inc(1);
  const first = sampleOf(await metrics.registry.getMetricsAsJSON(), 10_000);

  metrics.addCounts({
    events: { in: 400, out: 400, errors: 0, skipped: 0, deadLettered: 0, late: 0 },
    counts: { in: 200, out: 0, errors: 0, skipped: 0, deadLettered: 0, late: 6 },
  });
  cpu.inc(0.02);
  const values = await metrics.registry.getMetricsAsJSON();
  const second = sampleOf(values, 14_000);

  const status = jobStatus({ name: 'job', live: true, reasons: [], plan }, values, second, first);
  assert.equal(status.rateWindowSeconds, 4);
  const events = status.steps.find((s) => s.id === 'events')!;
  assert.deepEqual([events.in, events.out, events.errors, events.deadLettered, events.stage], [500, 499, 1, 1, 0]);
  assert.equal(events.inPerSecond, 100, '400 more records in 4 s');
  const counts = status.steps.find((s) => s.id === 'counts')!;
  assert.equal(counts.latePerSecond, 1.5);
  assert.equal(counts.stage, 1);
  assert.equal(status.steps.find((s) => s.id === 'parse')!.inPerSecond, 0, 'a step with no counts yet reads 0');
  assert.deepEqual(
    status.stages.map((s) => [s.stage, s.entry, s.watermark, s.watermarkLagMs]),
    [
      [0, null, null, null],
      [1, 'by-user', 1_000_000, 14_000 - 1_000_000],
    ],
  );
  assert.equal(status.queues.queued, 7);
  assert.deepEqual(status.queues.consumerLag, [{ source: 'events', partition: '3', records: 12 }]);
  assert.ok(Math.abs(status.endpointCpuShare! - 0.005) < 1e-9, `0.02 s of CPU in 4 s: ${status.endpointCpuShare}`);
  assert.deepEqual(status.executors, { slots: 4, keyGroups: 128 });

  const alone = jobStatus({ name: 'job', live: true, reasons: ['restoring'], plan }, values, second, null);
  assert.equal(alone.rateWindowSeconds, null);
  assert.equal(alone.steps[0]!.inPerSecond, null, 'no rate from one sample');
  assert.equal(alone.ready, false);
});
