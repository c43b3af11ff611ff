/**
 * Crash recovery through Kafka: a job reading a topic and writing a topic is killed with SIGKILL at random moments
 * (at least 5 kills while it makes progress), restarted each time on the same state directory, and run to the end
 * of its input. Its final state equals that of an uninterrupted run, and its output topic holds every output id of
 * the uninterrupted run (read from the `flywheel-id` header) and no other; duplicates are counted and reported. Every
 * message carries the key, timestamp and (decoded) value that the uninterrupted run's message of the same id carries.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
import { assertSamePayloads } from '../../harness/output-payloads.js';
import { readTopic, type ReadMessage } from './topic-reader.js';

const entry = fileURLToPath(new URL('./fixtures/run-kafka-crash-job.js', import.meta.url));
const feederModule = fileURLToPath(new URL('./fixtures/kafka-jobs.js', import.meta.url));
let broker: SpawnedBroker;

/** A message as the payload comparison sees it: its id header, and its key, timestamp and JSON value decoded. */
const delivery = (m: ReadMessage) => ({ id: m.id!, payload: { key: m.key, timestamp: m.timestamp, value: JSON.parse(m.value) as unknown } });

before(async () => {
  broker = await spawnDevBroker();
  process.env.FW_KAFKA_BROKERS = broker.bootstrap;
  process.env.FW_KAFKA_RUN = `crash-${process.pid}`;
});

after(async () => broker.stop());

test('kill -9 a Kafka-in Kafka-out job at random moments: same state, output ids and payloads as an uninterrupted run', { timeout: 240_000 }, async (t) => {
  const run = `crash-${process.pid}`;
  clearMemoryChannels();
  // Small enough that, with the duplicates of the kills, no partition of the output passes the dev broker's 5 MB:
  // with 80,000 events one run had written 45,274 messages to partition 0 and lost its start, with 60,000 another
  // 39,405 (41,794 outputs of which nearly all go to partition 0).
  setMemoryInput('feed', makeEvents({ seed: 31, count: 40_000, users: 400, partitions: 1, skewed: true, disorder: OUT_OF_ORDERNESS }));
  const { feeder } = (await import('./fixtures/kafka-jobs.js')) as { feeder: JobGraph };
  const feedState = mkdtempSync(join(tmpdir(), 'fw-kfeed-'));
  await new JobRunner({ job: moduleJobRef(feederModule, 'feeder'), graph: feeder, stateDir: feedState, workers: 1 }).run();
  rmSync(feedState, { recursive: true, force: true });

  const clean = mkdtempSync(join(tmpdir(), 'fw-kclean-'));
  const crashed = mkdtempSync(join(tmpdir(), 'fw-kcrash-'));
  const runJob = (dir: string, out: string) => (ms: number | null) =>
    runJobProcess(entry, [join(dir, 'state')], { FW_KAFKA_IN: `events-${run}`, FW_KAFKA_OUT: out }, ms);
  try {
    const cleanMs = await timedRun(runJob(clean, `clean-${run}`));
    // A run that ends before enough kills landed starts over on an empty state directory and a topic of its own.
    let attempt = 0;
    const crashedTopic = () => `crashed-${run}-${attempt}`;
    const kills = await killWhileRunning(
      (ms) => runJob(crashed, crashedTopic())(ms),
      async () => (await readTopic(broker.bootstrap, crashedTopic())).length,
      32,
      cleanMs,
      () => {
        rmSync(join(crashed, 'state'), { recursive: true, force: true });
        attempt++;
      },
    );
    assert.ok(kills >= 5, `killed ${kills} times while making progress; the test needs at least 5`);
    assert.deepEqual(readStateDir(join(crashed, 'state')), readStateDir(join(clean, 'state')), 'final state equals the uninterrupted run');
    const expected = await readTopic(broker.bootstrap, `clean-${run}`);
    const got = await readTopic(broker.bootstrap, crashedTopic());
    const expectedIds = new Set(expected.map((m) => m.id));
    const gotIds = new Set(got.map((m) => m.id));
    assert.ok(!expectedIds.has(null) && !gotIds.has(null), 'every message carries its id header');
    assert.equal(expectedIds.size, expected.length, 'the uninterrupted run writes each id once');
    assert.deepEqual(
      [...expectedIds].filter((id) => !gotIds.has(id)),
      [],
      'no output id is missing',
    );
    assert.deepEqual(
      [...gotIds].filter((id) => !expectedIds.has(id)),
      [],
      'no id the uninterrupted run lacks',
    );
    const { duplicatedIds } = assertSamePayloads(expected.map(delivery), got.map(delivery), 'Kafka crash test');
    t.diagnostic(
      `${kills} kills, ${expected.length} outputs, ${got.length - gotIds.size} duplicate deliveries of ${duplicatedIds} ids (at-least-once), every payload equal to the uninterrupted run's`,
    );
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
});
