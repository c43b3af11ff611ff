/**
 * Throughput of the feature store (user and item features as in topologies/features.yaml) on generated events, in
 * one run: the plain single-threaded implementation (bench/features/plain-features.ts) and the Flywheel job with
 * 1 and 2 worker threads (LMDB state, changes discarded). Both see the same events and must emit the same number of
 * changes. Events/s, events/s per core (CPU of all threads), peak RSS; medians over runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { measure, median } from '../measure.js';
import { benchGenerator } from './bench-settings.js';
import { plainFeatureStore } from './plain-features.js';

export interface FeatureThroughputOptions {
  users: number;
  events: number;
  runs: number;
  workers: number[];
}

async function flywheelRun(workers: number): Promise<number> {
  const jobModule = fileURLToPath(new URL('./feature-jobs.js', import.meta.url));
  const { storeJob } = (await import(jobModule)) as typeof import('./feature-jobs.js');
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-throughput-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(jobModule, 'storeJob'), graph: storeJob, stateDir, workers, slots: 16 });
    await runner.run();
    const recordsIn = (await runner.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'flywheel_records_in_total')!;
    return recordsIn.values.filter((v) => v.labels.step === 'user-changes' || v.labels.step === 'item-changes').reduce((n, v) => n + Number(v.value), 0);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function featureThroughputBench(o: FeatureThroughputOptions, report: (figure: object) => void): Promise<void> {
  process.env.FEATURES_BENCH_OPTIONS = JSON.stringify({ users: o.users, count: o.events });
  const impls = ['plain', ...o.workers.map((w) => `flywheel-${w}`)];
  const rates = new Map<string, number>();
  for (const impl of impls) {
    const samples: Array<{ seconds: number; cpuSeconds: number; peakRssMiB: number; changes: number }> = [];
    for (let run = 0; run < o.runs; run++) {
      let changes = 0;
      const m = await measure(async () => {
        changes = impl === 'plain' ? plainFeatureStore(benchGenerator(o.users, o.events)) : await flywheelRun(Number(impl.split('-')[1]));
      });
      samples.push({ ...m, changes });
    }
    const eventsPerSecond = Math.round(median(samples.map((s) => o.events / s.seconds)));
    rates.set(impl, eventsPerSecond);
    report({
      bench: 'features-throughput',
      impl,
      users: o.users,
      events: o.events,
      runs: o.runs,
      eventsPerSecond,
      eventsPerCpuSecond: Math.round(median(samples.map((s) => o.events / s.cpuSeconds))),
      cpuCores: Math.round(median(samples.map((s) => s.cpuSeconds / s.seconds)) * 100) / 100,
      peakRssMiB: Math.max(...samples.map((s) => s.peakRssMiB)),
      changes: samples[0]!.changes,
      ...(impl === 'plain' ? {} : { ratioToPlain: Math.round((eventsPerSecond / rates.get('plain')!) * 1000) / 1000 }),
    });
  }
}
