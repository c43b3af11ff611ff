/**
 * Hostile records from Kafka into a job whose dead-letter sink is a Kafka topic, through the dev broker: records
 * nested 3,000 and 10,000 deep, one stamped in the year 3000 (a live topic: 1 h ahead of the clock at most by
 * default) and one that is not UTF-8. The job keeps running; the dead-letter topic holds exactly one message per
 * dead letter, with the reason; a restart reads nothing again and adds no copy. Before, the 3,000-deep record
 * stopped the job, and a 10,000-deep one jammed the dead-letter sink, which sent its batch again and again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Kafka from 'node-rdkafka';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { readTopic } from './topic-reader.js';
import { waitFor } from './job-observer.js';
import { keyedTopology } from '../../harness/keyed-topology.js';

let broker: SpawnedBroker;
const input = `hostile-${process.pid}`;
const dlqTopic = `hostile-dlq-${process.pid}`;

before(async () => {
  broker = await spawnDevBroker({ topics: [input, dlqTopic] });
});

after(async () => {
  await broker.stop();
});

function produce(values: Buffer[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': broker.bootstrap, dr_cb: true });
  return new Promise((resolve, reject) => {
    producer.connect({}, (err) => {
      if (err) return reject(err);
      values.forEach((v, i) => producer.produce(input, i % 4, v, `k${i}`));
      producer.flush(10_000, () => producer.disconnect(() => resolve()));
    });
  });
}

function topology(dir: string): string {
  return keyedTopology({
    name: 'kafka-hostile',
    stateDir: join(dir, 'state'),
    source: `{ type: kafka, topic: ${input}, brokers: "${broker.bootstrap}" }`,
    dlq: `{ type: kafka, topic: ${dlqTopic}, brokers: "${broker.bootstrap}" }`,
  });
}

const outputs = (dir: string) => (existsSync(join(dir, 'out.jsonl')) ? readFileSync(join(dir, 'out.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);

async function runUntil(file: string, done: (runner: JobRunner) => Promise<boolean>): Promise<JobRunner> {
  const { graph, runtime } = await loadTopology(file);
  const runner = new JobRunner({
    job: { kind: 'topology', file },
    graph,
    stateDir: runtime.stateDir,
    workers: 1,
    slots: 4,
    stopTimeout: 5_000,
    baseDir: dirname(file),
  });
  const running = runner.run();
  let failed: unknown = null;
  running.catch((err: unknown) => (failed = err));
  await waitFor('the job to apply its input', async () => (failed !== null ? Promise.reject(failed as Error) : (await done(runner)) || undefined), 60_000);
  runner.stop();
  await running;
  return runner;
}

const deadLettered = async (runner: JobRunner) =>
  Number(/flywheel_dead_lettered_total\{step="events",job="kafka-hostile"\} (\d+)/.exec(await runner.metrics.text())?.[1] ?? 0);

test('hostile Kafka records: one dead letter each in the dead-letter topic, the job keeps running, a restart adds no copy', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-kafka-hostile-'));
  try {
    const now = Date.now();
    const ordinary = Array.from({ length: 40 }, (_, i) => Buffer.from(JSON.stringify({ user: `u${i % 6}`, ts: now - 60_000 + i })));
    const hostile = [
      { bytes: Buffer.from(`{"user":"a","ts":${now},"deep":${'['.repeat(3000)}${']'.repeat(3000)}}`), reason: /^record limit maxDepth/ },
      { bytes: Buffer.from(`{"user":"b","ts":${now},"deep":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`), reason: /^record limit maxDepth/ },
      {
        bytes: Buffer.from(JSON.stringify({ user: 'c', ts: Date.parse('3000-01-01T00:00:00Z') })),
        reason: /^event time 3000-01-01T00:00:00.000Z is more than eventTime.maxAhead \(3600000 ms\) ahead of the clock/,
      },
      { bytes: Buffer.from([0xc3, 0x28, 0x7b]), reason: /^not JSON/ },
    ];
    await produce([...ordinary.slice(0, 20), ...hostile.map((h) => h.bytes), ...ordinary.slice(20)]);
    const file = join(dir, 'topology.yaml');
    writeFileSync(file, topology(dir));

    await runUntil(file, async (r) => outputs(dir) === ordinary.length && (await deadLettered(r)) === hostile.length);
    const dead = (await readTopic(broker.bootstrap, dlqTopic)).map((m) => ({
      id: m.id,
      value: JSON.parse(m.value) as { reason: string; record: unknown; recordEncoding?: string },
    }));
    // Undecodable records keep their raw bytes; a decoded one out of event-time bounds keeps its value.
    const kept = (v: { record: unknown; recordEncoding?: string }) =>
      typeof v.record === 'string' ? Buffer.from(v.record, v.recordEncoding === 'base64' ? 'base64' : 'utf8') : Buffer.from(JSON.stringify(v.record));
    assert.equal(dead.length, hostile.length, 'exactly one message per dead letter');
    assert.equal(new Set(dead.map((d) => d.id)).size, hostile.length);
    for (const h of hostile) {
      const found = dead.filter((d) => h.reason.test(d.value.reason) && kept(d.value).equals(h.bytes));
      assert.equal(found.length, 1, `one dead letter for ${h.reason}, with the raw record`);
    }

    // A restart reads nothing again: one new event goes through, and the dead-letter topic keeps its four messages.
    await produce([Buffer.from(JSON.stringify({ user: 'late-comer', ts: Date.now() }))]);
    const restarted = await runUntil(file, async () => outputs(dir) === ordinary.length + 1);
    assert.equal(await deadLettered(restarted), 0);
    assert.equal((await readTopic(broker.bootstrap, dlqTopic)).length, hostile.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
