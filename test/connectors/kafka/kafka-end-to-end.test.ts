/**
 * Kafka in, Kafka out, over real TCP against the dev broker (librdkafka's mock cluster in a child process): events
 * produced with several partitions and keys, a windowed job reading them from a topic and writing results to a
 * topic, compared with the reference implementation; undecodable messages land in the dead-letter topic with their
 * reason and source position, and the job keeps running; the counts are exact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Kafka from 'node-rdkafka';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { clearMemoryChannels, memoryOutput, setMemoryInput } from '../../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import type { JobGraph } from '../../../src/graph/model.js';
import type { WindowResult } from '../../../src/api/types.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import { referenceWindowedTotals } from '../../runtime/fixtures/reference.js';
import type { Totals } from '../../runtime/fixtures/jobs.js';

const jobsModule = fileURLToPath(new URL('./fixtures/kafka-jobs.js', import.meta.url));
let broker: SpawnedBroker;
let jobs: Record<string, JobGraph>;

before(async () => {
  broker = await spawnDevBroker();
  process.env.FW_KAFKA_BROKERS = broker.bootstrap;
  process.env.FW_KAFKA_RUN = String(process.pid);
  jobs = (await import('./fixtures/kafka-jobs.js')) as unknown as Record<string, JobGraph>;
});

after(async () => {
  await broker.stop();
});

async function run(name: string, workers = 2): Promise<JobRunner> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-kafka-'));
  const runner = new JobRunner({ job: moduleJobRef(jobsModule, name), graph: jobs[name]!, stateDir, workers, slots: 8 });
  try {
    await runner.run();
    return runner;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function produceRaw(topic: string, values: Buffer[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': broker.bootstrap, dr_cb: true });
  return new Promise((resolve, reject) => {
    producer.connect({}, (err) => {
      if (err) return reject(err);
      values.forEach((v, i) => producer.produce(topic, i % 4, v, `bad-${i}`));
      producer.flush(10_000, () => producer.disconnect(() => resolve()));
    });
  });
}

test('Kafka in, Kafka out: a windowed job over a topic equals the reference; bad messages go to the dead-letter topic', { timeout: 120_000 }, async () => {
  clearMemoryChannels();
  const input = makeEvents({ seed: 21, count: 20_000, users: 300, partitions: 1, skewed: true, disorder: 0 });
  setMemoryInput('feed', input);
  await run('feeder', 1);
  const bad = [Buffer.from('{"user": "u1", "ts": '), Buffer.from('not json at all'), Buffer.from([0xff, 0xfe, 0x00])];
  await produceRaw(`events-${process.pid}`, bad);

  await run('windowed');
  await run('readTotals', 1);
  await run('readDeadLetters', 1);

  const got = new Map(
    memoryOutput('totals').map((r) => {
      const w = r.value as WindowResult<Totals>;
      return [`${w.key}|${w.start}`, w.value];
    }),
  );
  assert.deepEqual(got, referenceWindowedTotals(input));
  const dead = memoryOutput('dead-letters').map((r) => r.value as { reason: string; source: string; partition: number; offset: number });
  assert.equal(dead.length, bad.length, 'every undecodable message is in the dead-letter topic, once');
  for (const d of dead) {
    assert.match(d.reason, /not JSON/);
    assert.equal(d.source, 'events', 'the source step');
    assert.equal(typeof d.offset, 'number');
  }
});
