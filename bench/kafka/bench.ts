/**
 * The Kafka benchmark, all against one dev broker spawned in its own process, in one run: plain node-rdkafka
 * consume-only and consume-then-produce passthrough, then Flywheel Kafka-in Kafka-out with a stateless map/filter
 * and with a keyed tumbling-window count in LMDB state, interleaved run by run over the same input topic (filled
 * once, within the mock's 5 MiB per-partition retention, its size checked). Output counts are checked against what
 * the input must give. Then latency at half each Flywheel job's measured rate, the plain passthrough beside the
 * stateless job at the same rate, each `runs` times interleaved, with the paced producer and the output reader in a
 * process of their own (bench/kafka/latency-client.ts). Prints one JSON line per figure.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import type Kafka from 'node-rdkafka';
import { median } from '../measure.js';
import { benchEvents, keepsEvent, windowCount } from './events.js';
import type { BenchJobConfig } from './jobs.js';
import { WARM_UP_MS, type LatencyResult, type LatencyRun } from './latency.js';
import { rawConsume, rawPassthrough } from './raw.js';
import { startFlywheel } from './flywheel-job.js';
import type { PacedTargetRun } from './paced-target.js';
import { runChild } from '../child-process.js';
import { createTopics, disconnect, fillTopic, offsetsClient, topicCount, waitForCount } from './topics.js';

const pacedTarget = fileURLToPath(new URL('./paced-target.js', import.meta.url));
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
  /** p99 of each paced run (the figure above is their median). */
  p99Samples?: number[];
  /** Target for p99: 100 ms beyond the earliest moment an output can exist (for windows, after the watermark delay). */
  targetP99Ms?: number;
}

/** Seconds from the job being open to its last expected output in the topic. */
async function flywheelThroughput(
  name: 'stateless' | 'windowed',
  cfg: BenchJobConfig,
  expected: number,
  workers: number,
  offsets: Kafka.KafkaConsumer,
): Promise<number> {
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
  const pacedImpls = ['raw-passthrough', 'stateless', 'windowed'] as const;
  const latencyTopics = pacedImpls.flatMap((i) => Array.from({ length: o.runs }, (_, r) => [`latency-${i}-in-${r}`, `latency-${i}-out-${r}`])).flat();
  await createTopics(brokers, ['in', ...latencyTopics, ...impls.flatMap((i) => Array.from({ length: o.runs }, (_, r) => outputs(i, r)))]);
  const offsets = await offsetsClient(brokers);
  try {
    const events = benchEvents(o.events, o.users, 1_700_000_000_000);
    await fillTopic(brokers, 'in', events);
    const held = await topicCount(offsets, 'in');
    if (held !== events.length)
      throw new Error(`the input topic holds ${held} of ${events.length} events: the mock's retention dropped some; use fewer --events`);
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
    const outputsOf: Record<string, number> = {
      'raw-consume': events.length,
      'raw-passthrough': kept,
      'flywheel-stateless': kept,
      'flywheel-windowed': windows,
    };
    for (const impl of Object.keys(seconds)) {
      add({
        bench: 'kafka',
        impl,
        events: events.length,
        runs: o.runs,
        eventsPerSecond: rate(impl),
        samples: seconds[impl]!.map((s) => Math.round(events.length / s)),
        outputs: outputsOf[impl]!,
        ...(impl.startsWith('flywheel') ? { ratioToRawPassthrough: Number((rate(impl) / rawPass).toFixed(3)) } : {}),
      });
    }
    if (o.latencySeconds > 0) {
      const runsOf: Record<string, LatencyResult[]> = { 'raw-passthrough': [], stateless: [], windowed: [] };
      const offeredOf = (impl: (typeof pacedImpls)[number]) => Math.round(rate(`flywheel-${impl === 'windowed' ? 'windowed' : 'stateless'}`) / 2);
      for (let run = 0; run < o.runs; run++) {
        for (const impl of pacedImpls) {
          const topics = { input: `latency-${impl}-in-${run}`, output: `latency-${impl}-out-${run}` };
          const plan: LatencyRun = {
            brokers,
            ...topics,
            rate: offeredOf(impl),
            seconds: o.latencySeconds,
            readyAfter: impl === 'windowed' ? DELAY_MS : 0,
            users: o.users,
            oneToOne: impl !== 'windowed',
          };
          const target: PacedTargetRun = { impl, plan, workers: o.workers, windowMs: LATENCY_WINDOW_MS, delayMs: DELAY_MS };
          const l = await runChild<LatencyResult>(pacedTarget, target);
          if (l.expectedOutputs !== null && l.outputs !== l.expectedOutputs)
            throw new Error(`latency run ${impl}: ${l.outputs} outputs, expected ${l.expectedOutputs}`);
          runsOf[impl]!.push(l);
        }
      }
      for (const impl of pacedImpls) {
        const ls = runsOf[impl]!;
        add({
          bench: 'kafka',
          impl: `${impl === 'raw-passthrough' ? impl : `flywheel-${impl}`}-paced`,
          events: Math.round(offeredOf(impl) * (o.latencySeconds + WARM_UP_MS / 1000)),
          runs: ls.length,
          eventsPerSecond: offeredOf(impl),
          samples: [],
          outputs: ls[0]!.outputs,
          rate: offeredOf(impl),
          p50LatencyMs: median(ls.map((l) => l.p50Ms)),
          p99LatencyMs: median(ls.map((l) => l.p99Ms)),
          p99Samples: ls.map((l) => l.p99Ms),
          targetP99Ms: 100,
        });
      }
    }
  } finally {
    await disconnect(offsets);
    await broker.stop();
  }
  return figures;
}
