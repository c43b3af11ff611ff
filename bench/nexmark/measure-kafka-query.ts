/**
 * Child process of the Kafka-in Kafka-out Nexmark benchmark: runs one query as Flywheel with N worker threads from an
 * input topic of the dev broker (format msgpack, 4 partitions) to an output topic, while a forked traffic process
 * (kafka-traffic.ts) produces the events, paced by what this job has read, and counts the outputs. The run ends when
 * the output topic holds as many records as the plain baseline produces over the same events (or nothing moved
 * for `stallSeconds`); it reports wall and CPU seconds of this process up to then, peak memory and state on disk.
 * With 0 workers it runs the raw client instead: a bare consumer with the Kafka source's settings that reads the same
 * input (and the end markers) and nothing else, the rate the client and the dev broker allow.
 */
import { fork } from 'node:child_process';
import Kafka from 'node-rdkafka';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { JobGraph } from '../../src/graph/model.js';
import { childOptions, sendResult } from '../child-process.js';
import { diskMiB } from '../job-figures.js';
import { measure } from '../measure.js';
import { baselines } from './baseline.js';
import type { TrafficOptions, TrafficReport } from './kafka-traffic.js';
import type { NexmarkEvent } from './model.js';

export interface KafkaQueryRun {
  query: string;
  /** Flywheel worker threads; 0: the raw client. */
  workers: number;
  events: number;
  bootstrap: string;
  aheadBytes: number;
  stallSeconds: number;
}

export interface KafkaQueryResult {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  stateMiB: number | null;
  read: number;
  produced: number;
  outputs: number;
  expectedOutputs: number;
  outputGaps: number;
}

const o = childOptions<KafkaQueryRun>();
let expectedOutputs = 0;
baselines[o.query]!(nexmarkEvents({ count: o.events, partitions: 4 }) as Iterable<NexmarkEvent>, () => expectedOutputs++);

const input = `nexmark-${o.query}-in`;
const output = `nexmark-${o.query}-out`;
process.env.NEXMARK_SOURCE = JSON.stringify({ type: 'kafka', options: { topic: input, brokers: o.bootstrap, format: 'msgpack', bounded: false } });
process.env.NEXMARK_SINK = JSON.stringify({ type: 'kafka', options: { topic: output, brokers: o.bootstrap, format: 'msgpack' } });
// A fresh evaluation of the queries module: the copy the baselines imported read the environment before it was set.
const graph = ((await import(new URL('./queries.js?kafka', import.meta.url).href)) as Record<string, JobGraph>)[o.query]!;

const traffic = fork(
  fileURLToPath(new URL('./kafka-traffic.js', import.meta.url)),
  [JSON.stringify({ bootstrap: o.bootstrap, input, output, events: o.events, aheadBytes: o.aheadBytes } satisfies TrafficOptions)],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
);
let seen: TrafficReport = { produced: 0, outputs: 0, gaps: 0 };
await new Promise<void>((resolve) => traffic.once('message', () => resolve()));
traffic.on('message', (m: TrafficReport) => (seen = m));

/** Runs until `done()` says so or nothing moved for stallSeconds, telling the traffic process how far it has read. */
function watch(readSoFar: () => number, done: (read: number) => boolean): Promise<number> {
  let progress = { at: Date.now(), read: -1, outputs: -1 };
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const read = readSoFar();
      traffic.send({ read });
      const now = Date.now();
      if (read !== progress.read || seen.outputs !== progress.outputs) progress = { at: now, read, outputs: seen.outputs };
      if (done(read) || now - progress.at > o.stallSeconds * 1000) {
        clearInterval(timer);
        resolve(read);
      }
    }, 20);
  });
}

async function runFlywheel(stateDir: string): Promise<number> {
  const runner = new JobRunner({
    job: moduleJobRef(fileURLToPath(new URL('./queries.js', import.meta.url)), o.query),
    graph,
    stateDir,
    workers: o.workers,
    slots: 16,
  });
  const running = runner.run();
  await runner.opened;
  const read = await watch(
    () => runner.status(0, 0).recordsRead,
    () => seen.outputs >= expectedOutputs,
  );
  runner.stop();
  await running;
  return read;
}

async function runRawClient(): Promise<number> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': o.bootstrap,
      'group.id': `raw-${input}`,
      'enable.auto.commit': false,
      'enable.partition.eof': false,
      'queued.min.messages': 20_000,
      'fetch.wait.max.ms': 10,
      'fetch.queue.backoff.ms': 10,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.assign([0, 1, 2, 3].map((partition) => ({ topic: input, partition, offset: 0 })));
  consumer.setDefaultConsumeTimeout(20);
  let read = 0;
  let reading = true;
  const loop = (async () => {
    while (reading) read += await new Promise<number>((resolve) => consumer.consume(4096, (err, ms) => resolve(err ? 0 : ms.length)));
  })();
  await watch(
    () => read,
    (r) => r >= o.events + 4,
  );
  reading = false;
  await loop;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return read;
}

const stateDir = o.workers > 0 ? mkdtempSync(join(tmpdir(), 'fw-nexmark-kafka-')) : null;
let read = 0;
const m = await measure(async () => void (read = stateDir ? await runFlywheel(stateDir) : await runRawClient()));
traffic.send({ stop: true });
await new Promise((resolve) => traffic.once('exit', resolve));
const stateMiB = stateDir ? diskMiB(stateDir) : null;
if (stateDir) rmSync(stateDir, { recursive: true, force: true });
sendResult({ ...m, stateMiB, read, produced: seen.produced, outputs: seen.outputs, expectedOutputs, outputGaps: seen.gaps } satisfies KafkaQueryResult);
