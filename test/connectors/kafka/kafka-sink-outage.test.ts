/**
 * The Kafka sink across an outage of its broker (the dev broker in its own process, SIGKILLed, reached through a
 * stable address; the input topic lives on a second broker that stays up). Outputs of records applied while the
 * output broker is down stay in the LMDB outbox, /readyz answers 503 naming the sink, and once a broker is back
 * every output is delivered: the ids read before the kill plus those read after cover every input, none missing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { startQueryServer } from '../../../src/query/server.js';
import type { JobGraph } from '../../../src/graph/model.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import type { SequencedEvent } from './fixtures/outage-jobs.js';
import { StableAddress } from './stable-address.js';
import { produceEvents } from './produce-events.js';
import { readTopic } from './topic-reader.js';
import { outboxSize, readyz, waitFor } from './job-observer.js';

const fixture = fileURLToPath(new URL('./fixtures/outage-jobs.js', import.meta.url));
let input: SpawnedBroker;
let output: SpawnedBroker;
let address: StableAddress;
let relay: JobGraph;
let dir: string;

before(async () => {
  input = await spawnDevBroker({ topics: ['events'] });
  output = await spawnDevBroker({ topics: ['relayed'] });
  address = await new StableAddress().listen();
  address.pointAt(output.bootstrap);
  Object.assign(process.env, { FW_OUTAGE_SOURCE_BROKERS: input.bootstrap, FW_OUTAGE_IN: 'events', FW_OUTAGE_SINK_BROKERS: address.bootstrap, FW_OUTAGE_OUT: 'relayed' });
  ({ relay } = (await import('./fixtures/outage-jobs.js')) as { relay: JobGraph });
  dir = mkdtempSync(join(tmpdir(), 'fw-sink-outage-'));
});

after(async () => {
  input.process.kill('SIGKILL');
  output.process.kill('SIGKILL');
  await address.close();
  rmSync(dir, { recursive: true, force: true });
});

const sequenced = (from: number, count: number): SequencedEvent[] =>
  makeEvents({ seed: 50 + from, count, users: 100, partitions: 1, skewed: false, disorder: 0 })[0]!.map((r, i) => ({ ...(r.value as SequencedEvent), seq: from + i }));

test('outputs made while the output broker is down wait in the outbox and are all delivered when it is back', { timeout: 60_000 }, async (t) => {
  // Each step's time, so that a run that stalls says where.
  const started = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} after ${Date.now() - started} ms`);
  const runner = new JobRunner({ job: moduleJobRef(fixture, 'relay'), graph: relay, stateDir: dir, workers: 1, slots: 4 });
  const view = jobView(runner, dir);
  const server = await startQueryServer(buildQueryApp(view), 0);
  const running = runner.run();
  try {
    const first = await produceEvents(input.bootstrap, 'events', sequenced(0, 4_000));
    const delivered = await waitFor('the first outputs delivered', async () => {
      if (runner.status(1, 0).outboxPending > 0 || outboxSize(dir) > 0) return undefined;
      const read = await readTopic(output.bootstrap, 'relayed');
      return read.length >= first.length ? read : undefined;
    });
    mark('first outputs delivered');

    output.process.kill('SIGKILL');
    address.pointAt(null);
    const second = await produceEvents(input.bootstrap, 'events', sequenced(4_000, 4_000));
    const down = await waitFor('outputs held in the outbox and /readyz 503', async () => {
      const r = await readyz(server.url);
      return r.status === 503 && outboxSize(dir) === second.length ? r : undefined;
    });
    mark('outputs held in the outbox, /readyz 503');
    assert.match(down.reasons.join('\n'), /^sink out: cannot reach Kafka at 127\.0\.0\.1:\d+/m);
    assert.ok(runner.status(1, 0).outboxPending >= second.length, 'the job counts them as pending');

    output = await spawnDevBroker({ topics: ['relayed'] });
    address.pointAt(output.bootstrap);
    mark('output broker back');
    await waitFor('the outbox drained', () => (outboxSize(dir) === 0 && runner.status(1, 0).outboxPending === 0) || undefined);
    mark('outbox drained to the broker that came back');
    // Delivered outputs clear the sink's problem at once; a broker check begun during the outage may still fail
    // after that, until the next one (healthInterval, 1 s).
    await waitFor('/readyz 200', async () => ((await readyz(server.url)).status === 200 ? true : undefined), 10_000);
    const after = await readTopic(output.bootstrap, 'relayed');

    const ids = new Set([...delivered, ...after].map((m) => m.id));
    const seqs = new Set([...delivered, ...after].map((m) => (JSON.parse(m.value) as { seq: number }).seq));
    assert.ok(!ids.has(null), 'every message carries its id');
    assert.equal(ids.size, first.length + second.length, 'one distinct output id per input record');
    assert.deepEqual([...seqs].sort((a, b) => a - b), [...first, ...second].map((p) => p.value.seq), 'no output is missing');
    const afterSeqs = new Set(after.map((m) => (JSON.parse(m.value) as { seq: number }).seq));
    assert.deepEqual(second.map((p) => p.value.seq).filter((seq) => !afterSeqs.has(seq)), [], 'the outputs made during the outage reached the broker that came back');
  } finally {
    runner.stop();
    await running;
    await server.close();
    await view.close?.();
  }
});
