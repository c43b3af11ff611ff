/**
 * A key fed by several Kafka partitions sees its records in an order that depends on the input alone (the source
 * order, docs/runtime.md): a job whose per-key floats and timer ids depend on that order is killed with SIGKILL at
 * random moments and restarted until it has read its topic, and ends with state equal to the bit of an
 * uninterrupted run's, the same output ids, and each id's payload equal to the uninterrupted run's. And a job
 * stopped once it has read everything restarts with the watermark it had, though no new record comes to set it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { clearMemoryChannels, setMemoryInput } from '../../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import type { JobGraph } from '../../../src/graph/model.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import { OUT_OF_ORDERNESS } from '../../runtime/fixtures/jobs.js';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../../harness/crash-harness.js';
import { readTopic, type ReadMessage } from './topic-reader.js';

const entry = fileURLToPath(new URL('./fixtures/run-kafka-order-job.js', import.meta.url));
const feederModule = fileURLToPath(new URL('./fixtures/kafka-jobs.js', import.meta.url));
let broker: SpawnedBroker;

before(async () => {
  broker = await spawnDevBroker();
  process.env.FW_KAFKA_BROKERS = broker.bootstrap;
  process.env.FW_KAFKA_RUN = `order-${process.pid}`;
});

after(async () => broker.stop());

/** Events fed so far into the topic `events-<run>` (the feeder's topic is fixed when its module is imported). */
let fed = 0;

/** Feeds `count` test events (keyed by user, so spread over the topic's 4 partitions) into `events-<run>`. */
async function feed(seed: number, count: number): Promise<void> {
  fed += count;
  clearMemoryChannels();
  setMemoryInput('feed', makeEvents({ seed, count, users: 300, partitions: 1, skewed: false, disorder: OUT_OF_ORDERNESS }));
  const { feeder } = (await import('./fixtures/kafka-jobs.js')) as { feeder: JobGraph };
  const feedState = mkdtempSync(join(tmpdir(), 'fw-ofeed-'));
  await new JobRunner({ job: moduleJobRef(feederModule, 'feeder'), graph: feeder, stateDir: feedState, workers: 1 }).run();
  rmSync(feedState, { recursive: true, force: true });
}

/** Runs the unbounded job on `stateDir` until it has read everything and stopped; returns its watermark then. */
function runUntilDrained(stateDir: string, topic: string, expect: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, FW_KAFKA_IN: topic, FW_KAFKA_OUT: `${topic}-out`, FW_KAFKA_BOUNDED: 'false', FW_EXPECT: String(expect) };
    const child = spawn(process.execPath, [entry, stateDir, 'until-drained'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let watermark: number | null = null;
    child.stdout.on('data', (d) => {
      stdout += d;
      const match = /DRAINED (\S+)/.exec(stdout);
      if (match && watermark === null) watermark = Number(match[1]);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) =>
      watermark === null || code !== 0 || !stdout.includes('FINISHED')
        ? reject(new Error(`the job ended (${code}) without draining its topic: ${stderr}`))
        : resolve(watermark),
    );
  });
}

/** Each id's payload; the payloads of an id delivered more than once must agree. */
function payloadsById(messages: readonly ReadMessage[]): Map<string, string> {
  const byId = new Map<string, string>();
  for (const m of messages) {
    const seen = byId.get(m.id!);
    assert.ok(seen === undefined || seen === m.value, `id ${m.id} was delivered with two payloads: ${seen} and ${m.value}`);
    byId.set(m.id!, m.value);
  }
  return byId;
}

test('a key fed by four partitions: kill -9 and restarts give the bit-identical state, ids and payloads', { timeout: 240_000 }, async (t) => {
  const run = `order-${process.pid}`;
  // Every bucket key is fed by all four partitions.
  await feed(53, 40_000);

  const clean = mkdtempSync(join(tmpdir(), 'fw-oclean-'));
  const crashed = mkdtempSync(join(tmpdir(), 'fw-ocrash-'));
  const runJob = (dir: string, out: string) => (ms: number | null) =>
    runJobProcess(entry, [join(dir, 'state')], { FW_KAFKA_IN: `events-${run}`, FW_KAFKA_OUT: out }, ms);
  try {
    const cleanMs = await timedRun(runJob(clean, `clean-${run}`));
    // A run that reaches the end before it was killed often enough starts over on empty state and a new topic.
    let attempt = 0;
    const crashedTopic = () => `crashed-${run}-${attempt}`;
    const startOver = () => {
      rmSync(join(crashed, 'state'), { recursive: true, force: true });
      attempt++;
    };
    const kills = await killWhileRunning(
      (ms) => runJob(crashed, crashedTopic())(ms),
      async () => (await readTopic(broker.bootstrap, crashedTopic())).length,
      57,
      cleanMs,
      startOver,
    );
    assert.ok(kills >= 5, `killed ${kills} times while making progress; the test needs at least 5`);
    assert.deepEqual(readStateDir(join(crashed, 'state')), readStateDir(join(clean, 'state')), 'final state equals the uninterrupted run, to the bit');
    const expected = await readTopic(broker.bootstrap, `clean-${run}`);
    const got = await readTopic(broker.bootstrap, crashedTopic());
    assert.ok(expected.length > 1000, `the uninterrupted run wrote ${expected.length} results`);
    assert.ok(expected.every((m) => m.id !== null) && got.every((m) => m.id !== null), 'every message carries its id header');
    const want = payloadsById(expected);
    assert.equal(want.size, expected.length, 'the uninterrupted run writes each id once');
    const have = payloadsById(got);
    assert.deepEqual(
      [...want.keys()].filter((id) => !have.has(id)),
      [],
      'no output id is missing',
    );
    assert.deepEqual(
      [...have.keys()].filter((id) => !want.has(id)),
      [],
      'no id the uninterrupted run lacks',
    );
    const differing = [...want].filter(([id, value]) => have.get(id) !== value);
    assert.deepEqual(differing, [], "every payload equals the uninterrupted run's for the same id");
    t.diagnostic(`${kills} kills, ${expected.length} outputs, ${got.length - have.size} duplicate deliveries`);
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
});

test('a job stopped after it read all its input restarts at the watermark it had, with no new data', { timeout: 120_000 }, async () => {
  await feed(59, 5_000);
  const dir = mkdtempSync(join(tmpdir(), 'fw-odrained-'));
  try {
    const topic = `events-order-${process.pid}`;
    const before = await runUntilDrained(join(dir, 'state'), topic, fed);
    assert.ok(Number.isFinite(before), `the first run's watermark (${before}) is known once it has read its input`);
    // No partition turns idle in these runs (IDLE_TIMEOUT), so only the stored partition watermarks can set it.
    const after = await runUntilDrained(join(dir, 'state'), topic, 0);
    assert.equal(after, before, 'the restarted job is at the watermark the stopped one had');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
