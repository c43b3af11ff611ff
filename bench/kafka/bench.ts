/**
 * The Kafka benchmark, all against one dev broker spawned in its own process, in one run: plain node-rdkafka
 * consume-only and consume-then-produce passthrough, then Flywheel Kafka-in Kafka-out with a stateless map/filter
 * and with a keyed tumbling-window count in LMDB state, interleaved run by run over the same input topic (filled
 * once, within the mock's 5 MiB per-partition retention, its size checked). Output counts are checked against what
 * the input must give. Then latency at half each Flywheel job's measured rate. Prints one JSON line per figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { JobGraph } from '../../src/graph/model.js';
import type Kafka from 'node-rdkafka';
import { median } from '../measure.js';
import { benchEvents, keepsEvent, windowCount } from './events.js';
import type { BenchJobConfig } from './jobs.js';
import { pacedLatency } from './latency.js';
import { rawConsume, rawPassthrough } from './raw.js';
import { createTopics, disconnect, fillTopic, offsetsClient, topicCount, waitForCount } from './topics.js';

const jobsModule = fileURLToPath(new URL('./jobs.js', import.meta.url));
const WINDOW_MS = 10_000;
const LATENCY_WINDOW_MS = 1_000;
const DELAY_MS = 200;

export interface KafkaBenchOptions {
  events: number;
  users: number;
  runs: number;
  workers: number;
  latencySeconds: number;
}

export interface KafkaFigure {
  bench: 'kafka';
  impl: string;
  events: number;
  runs: number;
  eventsPerSecond: number;
  samples: number[];
  outputs: number;
  ratioToRawPassthrough?: number;
  rate?: number;
  p50LatencyMs?: number;
  p99LatencyMs?: number;
  /** Target for p99: 100 ms beyond the earliest moment an output can exist (for windows, after the watermark delay). */
  targetP99Ms?: number;
}

async function startFlywheel(name: 'stateless' | 'windowed', cfg: BenchJobConfig, workers: number): Promise<{ runner: JobRunner; running: Promise<unknown>; stateDir: string }> {
  process.env.KAFKA_BENCH = JSON.stringify(cfg);
  const graph = ((await import(`./jobs.js?${Date.now()}`)) as Record<string, JobGraph>)[name]!;
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-kbench-'));
  const runner = new JobRunner({ job: moduleJobRef(jobsModule, name), graph, stateDir, workers, slots: 8 });
  const running = runner.run();
  await Promise.race([runner.opened, running]);
  return { runner, running, stateDir };
}

/** Seconds from the job being open to its last expected output in the topic. */
async function flywheelThroughput(name: 'stateless' | 'windowed', cfg: BenchJobConfig, expected: number, workers: number, offsets: Kafka.KafkaConsumer): Promise<number> {
  const { running, stateDir } = await startFlywheel(name, cfg, workers);
  const t0 = performance.now();
  const end = await waitForCount(offsets, cfg.output, expected, 300_000);
  await running;
  rmSync(stateDir, { recursive: true, force: true });
  const written = await topicCount(offsets, cfg.output);
  if (written !== expected) throw new Error(`flywheel ${name} wrote ${written} outputs, expected ${expected}`);
  return (end - t0) / 1000;
}

export async function kafkaBench(o: KafkaBenchOptions, report: (f: KafkaFigure) => void): Promise<KafkaFigure[]> {
  const broker = await spawnDevBroker();
  const brokers = broker.bootstrap;
  const figures: KafkaFigure[] = [];
  const add = (f: KafkaFigure) => {
    figures.push(f);
    report(f);
  };
  const outputs = (impl: string, run: number) => `out-${impl}-${run}`;
  const impls = ['raw-passthrough', 'flywheel-stateless', 'flywheel-windowed'];
  await createTopics(brokers, ['in', 'latency-stateless-in', 'latency-stateless-out', 'latency-windowed-in', 'latency-windowed-out', ...impls.flatMap((i) => Array.from({ length: o.runs }, (_, r) => outputs(i, r)))]);
  const offsets = await offsetsClient(brokers);
  try {
    const events = benchEvents(o.events, o.users, 1_700_000_000_000);
    await fillTopic(brokers, 'in', events);
    const held = await topicCount(offsets, 'in');
    if (held !== events.length) throw new Error(`the input topic holds ${held} of ${events.length} events: the mock's retention dropped some; use fewer --events`);
    const kept = events.filter(keepsEvent).length;
    const windows = windowCount(events, WINDOW_MS);
    const seconds: Record<string, number[]> = { 'raw-consume': [], 'raw-passthrough': [], 'flywheel-stateless': [], 'flywheel-windowed': [] };
    for (let run = 0; run < o.runs; run++) {
      seconds['raw-consume']!.push(await rawConsume(brokers, 'in', events.length));
      const raw = await rawPassthrough(brokers, 'in', outputs('raw-passthrough', run), events.length);
      if (raw.outputs !== kept) throw new Error(`raw passthrough produced ${raw.outputs}, expected ${kept}`);
      seconds['raw-passthrough']!.push(raw.seconds);
      const cfg = (impl: string, windowMs: number) => ({ brokers, input: 'in', output: outputs(impl, run), bounded: true, windowMs, delayMs: DELAY_MS });
      seconds['flywheel-stateless']!.push(await flywheelThroughput('stateless', cfg('flywheel-stateless', WINDOW_MS), kept, o.workers, offsets));
      seconds['flywheel-windowed']!.push(await flywheelThroughput('windowed', cfg('flywheel-windowed', WINDOW_MS), windows, o.workers, offsets));
    }
    const rate = (impl: string) => Math.round(events.length / median(seconds[impl]!));
    const rawPass = rate('raw-passthrough');
    const outputsOf: Record<string, number> = { 'raw-consume': events.length, 'raw-passthrough': kept, 'flywheel-stateless': kept, 'flywheel-windowed': windows };
    for (const impl of Object.keys(seconds)) {
      add({
        bench: 'kafka', impl, events: events.length, runs: o.runs, eventsPerSecond: rate(impl),
        samples: seconds[impl]!.map((s) => Math.round(events.length / s)), outputs: outputsOf[impl]!,
        ...(impl.startsWith('flywheel') ? { ratioToRawPassthrough: Number((rate(impl) / rawPass).toFixed(3)) } : {}),
      });
    }
    if (o.latencySeconds > 0) {
      for (const name of ['stateless', 'windowed'] as const) {
        const offered = Math.round(rate(`flywheel-${name}`) / 2);
        const cfg = { brokers, input: `latency-${name}-in`, output: `latency-${name}-out`, bounded: false, windowMs: LATENCY_WINDOW_MS, delayMs: DELAY_MS };
        const { runner, running, stateDir } = await startFlywheel(name, cfg, o.workers);
        const readyAfter = name === 'windowed' ? DELAY_MS : 0;
        const l = await pacedLatency({ brokers, input: cfg.input, output: cfg.output, rate: offered, seconds: o.latencySeconds, readyAfter, users: o.users, oneToOne: name === 'stateless' });
        runner.stop();
        await running;
        rmSync(stateDir, { recursive: true, force: true });
        if (l.expectedOutputs !== null && l.outputs !== l.expectedOutputs) throw new Error(`latency run ${name}: ${l.outputs} outputs, expected ${l.expectedOutputs}`);
        add({
          bench: 'kafka', impl: `flywheel-${name}-paced`, events: Math.round(offered * o.latencySeconds), runs: 1, eventsPerSecond: offered, samples: [], outputs: l.outputs,
          rate: offered, p50LatencyMs: l.p50Ms, p99LatencyMs: l.p99Ms, targetP99Ms: 100,
        });
      }
    }
  } finally {
    await disconnect(offsets);
    await broker.stop();
  }
  return figures;
}
