/**
 * Stopping a job while a Kafka broker is unreachable. Its sink's broker: the job stops once its stopTimeout runs out
 * instead of waiting for the broker, reports the outputs it could not deliver, keeps them in the LMDB outbox, and a
 * restart delivers them once the broker is reachable again: every input has its output on the topic, none missing.
 * Its source's broker: the job stops without waiting for librdkafka to give up on it. Before the consumer's close
 * was bounded, it sometimes waited for the group coordinator until requests timed out (44 s in two runs of the same
 * steps outside the test runner; this test timed out at 30 s in one of five runs, the others stopped at once).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { startRelayBrokers, sequenced, type RelayBrokers } from './relay-brokers.js';
import type { SequencedEvent } from './fixtures/outage-jobs.js';
import { produceEvents, type Placed } from './produce-events.js';
import { readTopic, type ReadMessage } from './topic-reader.js';
import { outboxSize, waitFor } from './job-observer.js';

const fixture = fileURLToPath(new URL('./fixtures/outage-jobs.js', import.meta.url));
let brokers: RelayBrokers;
const dirs: string[] = [];
const stateDir = (): string => {
  dirs.push(mkdtempSync(join(tmpdir(), 'fw-kafka-stop-')));
  return dirs.at(-1)!;
};

before(async () => {
  brokers = await startRelayBrokers();
});

after(async () => {
  await brokers.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const relayJob = (dir: string) => new JobRunner({ job: moduleJobRef(fixture, 'relay'), graph: brokers.relay, stateDir: dir, workers: 1, slots: 4, stopTimeout: 1_000 });

test('a job stopped while its sink is unreachable stops after its stopTimeout, keeps the undelivered outputs and delivers them after a restart', { timeout: 60_000 }, async (t) => {
  const { input, address } = brokers;
  const dir = stateDir();
  const relayRunner = () => relayJob(dir);
  const runner = relayRunner();
  const running = runner.run();
  let first: Placed<SequencedEvent>[], second: Placed<SequencedEvent>[], delivered: ReadMessage[];
  try {
    first = await produceEvents(input.bootstrap, 'events', sequenced(0, 2_000));
    delivered = await waitFor('the first outputs delivered', async () => {
      if (runner.status(1, 0).outboxPending > 0 || outboxSize(dir) > 0) return undefined;
      const read = await readTopic(brokers.output.bootstrap, 'relayed');
      return read.length >= first.length ? read : undefined;
    });
    // The producer knows the broker's own port from metadata, so the outage is the broker's process killed.
    brokers.output.process.kill('SIGKILL');
    address.pointAt(null);
    second = await produceEvents(input.bootstrap, 'events', sequenced(2_000, 2_000));
    await waitFor('the outputs made while the sink is unreachable held in the outbox and counted pending', () => (outboxSize(dir) === second.length && runner.status(1, 0).outboxPending === second.length) || undefined);
  } catch (err) {
    runner.stop();
    await running.catch(() => undefined);
    throw err;
  }
  const stopAsked = Date.now();
  runner.stop();
  const stopped = await running;
  t.diagnostic(`stopped ${Date.now() - stopAsked} ms after stop() (stopTimeout 1000 ms)`);
  assert.equal(stopped.undelivered, second.length, 'the stop reports every output it could not deliver');
  assert.equal(outboxSize(dir), second.length, 'and keeps them in the outbox');

  brokers.output = await spawnDevBroker({ topics: ['relayed'] });
  address.pointAt(brokers.output.bootstrap);
  const restarted = relayRunner();
  const rerun = restarted.run();
  try {
    await waitFor('the kept outputs delivered after the restart', () => (outboxSize(dir) === 0 && restarted.status(1, 0).outboxPending === 0) || undefined);
  } finally {
    restarted.stop();
  }
  assert.equal((await rerun).undelivered, 0);

  const read = [...delivered, ...(await readTopic(brokers.output.bootstrap, 'relayed'))];
  const seqs = new Set(read.map((m) => (JSON.parse(m.value) as { seq: number }).seq));
  assert.deepEqual([...seqs].sort((a, b) => a - b), [...first, ...second].map((p) => p.value.seq), 'every input has its output, none missing');
  assert.equal(new Set(read.map((m) => m.id)).size, first.length + second.length, 'one distinct output id per input record');
});

// Last in this file: it kills the input broker.
test('a job stopped while its source broker is unreachable stops without waiting for that broker', { timeout: 30_000 }, async (t) => {
  const runner = relayJob(stateDir());
  const running = runner.run();
  try {
    const events = await produceEvents(brokers.input.bootstrap, 'events', sequenced(10_000, 500));
    await waitFor('the job read the events', () => runner.status(1, 0).recordsRead >= events.length || undefined);
    // The job commits its source offsets to the consumer group every second: with a commit made, the consumer's
    // close has a group coordinator to wait for.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    brokers.input.process.kill('SIGKILL');
    await waitFor('the source reported unreachable', () => runner.status(1, 0).notReady.some((r) => r.startsWith('source events: cannot reach Kafka')) || undefined);
    // Meanwhile the consumer keeps asking for its coordinator, as it would during a real outage.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  } finally {
    const stopAsked = Date.now();
    runner.stop();
    await running;
    t.diagnostic(`stopped ${Date.now() - stopAsked} ms after stop() (the source's connectTimeout is 1000 ms)`);
  }
});
