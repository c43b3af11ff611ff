/**
 * Replays a dataset through Kafka into the experiment job: starts the dev broker (librdkafka's mock cluster, in a
 * child process), produces the dataset's events to a topic (msgpack, keyed and partitioned by user), checks that
 * the broker kept every message (the mock keeps about 5 MiB per partition and drops older data), runs the job on
 * worker threads with LMDB state reading that topic to its end, and returns what GET /experiments/:id serves for
 * each experiment, with the number of reports the job wrote to the results topic and the dead letters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Kafka from 'node-rdkafka';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { encodeRecord } from '../../src/connectors/record-decode.js';
import type { ExperimentReport } from '../../src/jobs/experiments/experiment-report.js';
import { buildQueryApp } from '../../src/query/app.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { jobView } from '../../src/runtime/job-view.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { Replay } from './replay-events.js';
import { buildReplayJob, REPLAY_ENV, type ReplaySettings } from './replay-job.js';

const PARTITIONS = 4;
const jobModule = fileURLToPath(new URL('./replay-job.js', import.meta.url));

export interface ReplayOutcome {
  reports: Map<string, ExperimentReport>;
  produced: number;
  resultsWritten: number;
  deadLetters: number;
  seconds: number;
}

/** FNV-1a of the user id: which partition a user's events go to (one user, one partition, in order). */
function partitionOf(userId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % PARTITIONS;
}

async function connected<T extends Kafka.Producer | Kafka.KafkaConsumer>(client: T): Promise<T> {
  await new Promise<void>((resolve, reject) => client.connect({}, (err) => (err ? reject(err) : resolve())));
  return client;
}

async function produce(brokers: string, topic: string, replay: Replay): Promise<void> {
  const producer = await connected(new Kafka.Producer({ 'bootstrap.servers': brokers, 'queue.buffering.max.messages': 1_000_000, 'linger.ms': 20 }));
  for (const e of replay.events) {
    for (;;) {
      try {
        producer.produce(topic, partitionOf(e.userId), encodeRecord(e, 'msgpack'), e.userId, e.ts);
        break;
      } catch {
        producer.poll();
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await new Promise<void>((resolve, reject) => producer.flush(60_000, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

/** Per partition [low, high] offsets: messages written and messages still held. */
async function offsets(brokers: string, topic: string): Promise<Array<{ lowOffset: number; highOffset: number }>> {
  const consumer = await connected(new Kafka.KafkaConsumer({ 'bootstrap.servers': brokers, 'group.id': `replay-check-${topic}` }, {}));
  const out = [];
  for (let p = 0; p < PARTITIONS; p++) {
    out.push(
      await new Promise<{ lowOffset: number; highOffset: number }>((resolve) =>
        consumer.queryWatermarkOffsets(topic, p, 5_000, (err, o) => resolve(err ? { lowOffset: 0, highOffset: 0 } : o)),
      ),
    );
  }
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return out;
}

const total = (o: Array<{ lowOffset: number; highOffset: number }>) => o.reduce((t, x) => t + x.highOffset - x.lowOffset, 0);

export async function replayThroughKafka(name: string, replay: Replay): Promise<ReplayOutcome> {
  const topics = { events: `${name}-events`, results: `${name}-results`, deadLetters: `${name}-dead-letters` };
  const broker = await spawnDevBroker({ topics: Object.values(topics) });
  const stateDir = mkdtempSync(join(tmpdir(), `fw-replay-${name}-`));
  try {
    await produce(broker.bootstrap, topics.events, replay);
    const held = await offsets(broker.bootstrap, topics.events);
    if (held.some((o) => o.lowOffset > 0) || total(held) !== replay.events.length) {
      throw new Error(
        `${name}: the dev broker kept ${total(held)} of ${replay.events.length} events (offsets ${JSON.stringify(held)}); it drops data past about 5 MiB per partition`,
      );
    }
    const settings: ReplaySettings = { brokers: broker.bootstrap, ...topics, options: replay.options };
    process.env[REPLAY_ENV] = JSON.stringify(settings);
    const graph = buildReplayJob(settings);
    const started = Date.now();
    const runner = new JobRunner({ job: moduleJobRef(jobModule, 'replayJob'), graph, stateDir, workers: 2, slots: 8 });
    await runner.run();
    const seconds = (Date.now() - started) / 1000;
    const app = buildQueryApp(jobView(runner, stateDir), routeContributions(graph));
    const reports = new Map<string, ExperimentReport>();
    for (const x of replay.options.experiments ?? []) {
      const res = await app.inject(`/experiments/${encodeURIComponent(x.id)}`);
      if (res.statusCode !== 200) throw new Error(`${name}: GET /experiments/${x.id} answered ${res.statusCode}: ${res.body}`);
      reports.set(x.id, res.json() as ExperimentReport);
    }
    await app.close();
    return {
      reports,
      produced: replay.events.length,
      resultsWritten: total(await offsets(broker.bootstrap, topics.results)),
      deadLetters: total(await offsets(broker.bootstrap, topics.deadLetters)),
      seconds,
    };
  } finally {
    delete process.env[REPLAY_ENV];
    rmSync(stateDir, { recursive: true, force: true });
    await broker.stop();
  }
}
