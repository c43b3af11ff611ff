/**
 * Throughput of the feature store (user and item features as in topologies/features.yaml), in one run:
 * - on generated events: the plain single-threaded implementation (plain-features.ts) and the Flywheel job with 1
 *   and 2 worker threads (LMDB state, changes discarded);
 * - from Kafka (a topic of the dev broker, in its own process, filled with `kafkaEvents` of the same events first:
 *   the mock broker keeps about 5 MiB per partition, so the topic is sized to fit): a plain node-rdkafka consumer
 *   into the plain implementation, and the Flywheel job reading the topic to its end.
 * Every implementation must emit the same number of changes over the same events. Events/s, events/s per core (CPU
 * of all threads of this process; the broker's own process is not counted), peak RSS; medians over runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { resolveEcommerceOptions } from '../../src/connectors/generator/ecommerce-options.js';
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { ExecutorJob } from '../../src/runtime/executor-job.js';
import { measure, median } from '../measure.js';
import { benchGenerator } from './bench-settings.js';
import { plainFeaturesFromKafka, produceEvents } from './kafka-events.js';
import { PlainFeatureStore } from './plain-features.js';

export interface FeatureThroughputOptions {
  users: number;
  events: number;
  kafkaEvents: number;
  runs: number;
  workers: number[];
  /** Executor counts to run the executor runtime with (`executors-N` rows), on the generator. */
  executors: number[];
}

const jobModule = fileURLToPath(new URL('./feature-jobs.js', import.meta.url));

async function flywheelRun(exportName: 'storeJob' | 'kafkaStoreJob', workers: number, executors = false): Promise<number> {
  // A fresh evaluation: the jobs read their sizes and the topic from the environment as it is now (so do the workers).
  const jobs = (await import(`./feature-jobs.js?${Date.now()}`)) as typeof import('./feature-jobs.js');
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-throughput-'));
  try {
    const options = { job: moduleJobRef(jobModule, exportName), graph: jobs[exportName], stateDir, workers, slots: 16 };
    const runner = executors ? new ExecutorJob(options) : new JobRunner(options);
    await runner.run();
    const recordsIn = (await runner.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'flywheel_records_in_total')!;
    return recordsIn.values.filter((v) => v.labels.step === 'user-changes' || v.labels.step === 'item-changes').reduce((n, v) => n + Number(v.value), 0);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The generator interleaves its partitions one record at a time, so record i is from partition i mod P. */
function plainRun(users: number, events: number): number {
  const { partitions } = resolveEcommerceOptions(benchGenerator(users, events));
  const store = new PlainFeatureStore(partitions);
  let i = 0;
  for (const e of ecommerceEvents(benchGenerator(users, events))) store.push(e, i++ % partitions);
  return store.finish();
}

type Impl = { name: string; source: 'generator' | 'kafka'; events: number; run: () => Promise<number> };

async function measureImpl(impl: Impl, runs: number, report: (figure: object) => void, plainRate: number | undefined): Promise<number> {
  const samples: Array<{ seconds: number; cpuSeconds: number; peakRssMiB: number; changes: number }> = [];
  for (let run = 0; run < runs; run++) {
    let changes = 0;
    const m = await measure(async () => void (changes = await impl.run()));
    samples.push({ ...m, changes });
  }
  const eventsPerSecond = Math.round(median(samples.map((s) => impl.events / s.seconds)));
  report({
    bench: 'features-throughput',
    source: impl.source,
    impl: impl.name,
    events: impl.events,
    runs,
    eventsPerSecond,
    eventsPerCpuSecond: Math.round(median(samples.map((s) => impl.events / s.cpuSeconds))),
    cpuCores: Math.round(median(samples.map((s) => s.cpuSeconds / s.seconds)) * 100) / 100,
    peakRssMiB: Math.max(...samples.map((s) => s.peakRssMiB)),
    changes: samples.map((s) => s.changes),
    ...(plainRate ? { ratioToPlain: Math.round((eventsPerSecond / plainRate) * 1000) / 1000 } : {}),
  });
  return eventsPerSecond;
}

export async function featureThroughputBench(o: FeatureThroughputOptions, report: (figure: object) => void): Promise<void> {
  process.env.FEATURES_BENCH_OPTIONS = JSON.stringify({ users: o.users, count: o.events });
  const plain = await measureImpl(
    { name: 'plain', source: 'generator', events: o.events, run: async () => plainRun(o.users, o.events) },
    o.runs,
    report,
    undefined,
  );
  for (const w of o.workers)
    await measureImpl({ name: `flywheel-${w}`, source: 'generator', events: o.events, run: () => flywheelRun('storeJob', w) }, o.runs, report, plain);
  for (const e of o.executors)
    await measureImpl({ name: `executors-${e}`, source: 'generator', events: o.events, run: () => flywheelRun('storeJob', e, true) }, o.runs, report, plain);
  if (o.kafkaEvents <= 0) return;

  const broker = await spawnDevBroker();
  try {
    const topic = 'events';
    process.env.FEATURES_BENCH_KAFKA = JSON.stringify({ brokers: broker.bootstrap, topic });
    await produceEvents(broker.bootstrap, topic, benchGenerator(o.users, o.kafkaEvents));
    const plainKafka = await measureImpl(
      { name: 'plain', source: 'kafka', events: o.kafkaEvents, run: () => plainFeaturesFromKafka(broker.bootstrap, topic) },
      o.runs,
      report,
      undefined,
    );
    for (const w of o.workers)
      await measureImpl(
        { name: `flywheel-${w}`, source: 'kafka', events: o.kafkaEvents, run: () => flywheelRun('kafkaStoreJob', w) },
        o.runs,
        report,
        plainKafka,
      );
  } finally {
    await broker.stop();
  }
}
