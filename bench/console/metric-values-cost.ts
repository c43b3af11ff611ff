/**
 * The main thread's CPU per console status: JobMetrics.values() (counters and gauges each time, batch latency
 * quantiles at most every 15 s) against reading every metric each time, on a registry shaped like the flywheel
 * job's (20 steps, 6 stages with 5,000 batch latencies each, 4 source partitions).
 *   node dist/bench/console/metric-values-cost.js
 */
import { JobMetrics } from '../../src/runtime/metrics.js';

const metrics = new JobMetrics('flywheel');
const steps = Array.from({ length: 20 }, (_, i) => `step-${i}`);
for (let round = 0; round < 100; round++)
  metrics.addCounts(Object.fromEntries(steps.map((s) => [s, { in: 5, out: 5, errors: 0, skipped: 0, deadLettered: 1, late: 1 }])));
for (let stage = 0; stage < 6; stage++) for (let i = 0; i < 5000; i++) metrics.batchSeconds.observe({ stage: String(stage) }, (i % 100) / 1000);
for (let partition = 0; partition < 4; partition++) metrics.consumerLag.set({ source: 'events', partition: String(partition) }, 5);

async function cpuMsPerCall(read: () => Promise<unknown>, calls: number): Promise<number> {
  await read();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await read();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / calls;
}

const everything = await cpuMsPerCall(() => metrics.registry.getMetricsAsJSON(), 300);
const cached = await cpuMsPerCall(() => metrics.values(), 300);
// A fixed clock 15 s apart at each call: the quantiles are read every time.
let clock = Date.now();
const quantilesEachTime = await cpuMsPerCall(() => metrics.values((clock += 15_000)), 300);
process.stdout.write(
  `every metric read each time: ${everything.toFixed(3)} ms CPU per status\n` +
    `values() between quantile reads: ${cached.toFixed(3)} ms; with the quantiles read: ${quantilesEachTime.toFixed(3)} ms\n` +
    `one console polling every 2 s: ${((cached / 2000 + (quantilesEachTime - cached) / 15_000) * 100).toFixed(3)} % of a core of the main thread\n`,
);
