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
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { startQueryServer } from '../../../src/query/server.js';
import { spawnDevBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { startRelayBrokers, sequenced, type RelayBrokers } from './relay-brokers.js';
import { produceEvents } from './produce-events.js';
import { readTopic } from './topic-reader.js';
import { outboxSize, readyz, waitFor } from './job-observer.js';

const fixture = fileURLToPath(new URL('./fixtures/outage-jobs.js', import.meta.url));
let brokers: RelayBrokers;
let dir: string;

before(async () => {
  brokers = await startRelayBrokers();
  dir = mkdtempSync(join(tmpdir(), 'fw-sink-outage-'));
});

after(async () => {
  await brokers.close();
  rmSync(dir, { recursive: true, force: true });
});

test('outputs made while the output broker is down wait in the outbox and are all delivered when it is back', { timeout: 60_000 }, async (t) => {
  // Each step's time, so that a run that stalls says where.
  const started = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} after ${Date.now() - started} ms`);
  const { input, address } = brokers;
  const runner = new JobRunner({ job: moduleJobRef(fixture, 'relay'), graph: brokers.relay, stateDir: dir, workers: 1, slots: 4 });
  const view = jobView(runner, dir);
  const server = await startQueryServer(buildQueryApp(view), 0);
  const running = runner.run();
  try {
    const first = await produceEvents(input.bootstrap, 'events', sequenced(0, 4_000));
    const delivered = await waitFor('the first outputs delivered', async () => {
      if (runner.status(1, 0).outboxPending > 0 || outboxSize(dir) > 0) return undefined;
      const read = await readTopic(brokers.output.bootstrap, 'relayed');
      return read.length >= first.length ? read : undefined;
    });
    mark('first outputs delivered');

    brokers.output.process.kill('SIGKILL');
    address.pointAt(null);
    const second = await produceEvents(input.bootstrap, 'events', sequenced(4_000, 4_000));
    // The outbox entries are committed by the worker before the main thread hears of them and counts them pending.
    const down = await waitFor('outputs held in the outbox, counted pending by the job, and /readyz 503', async () => {
      const r = await readyz(server.url);
      return r.status === 503 && outboxSize(dir) === second.length && runner.status(1, 0).outboxPending === second.length ? r : undefined;
    });
    mark('outputs held in the outbox, /readyz 503');
    assert.match(down.reasons.join('\n'), /^sink out: cannot reach Kafka at 127\.0\.0\.1:\d+/m);

    brokers.output = await spawnDevBroker({ topics: ['relayed'] });
    address.pointAt(brokers.output.bootstrap);
    mark('output broker back');
    await waitFor('the outbox drained', () => (outboxSize(dir) === 0 && runner.status(1, 0).outboxPending === 0) || undefined);
    mark('outbox drained to the broker that came back');
    // Delivered outputs clear the sink's problem at once; a broker check begun during the outage may still fail
    // after that, until the next one (healthInterval, 1 s).
    await waitFor('/readyz 200', async () => ((await readyz(server.url)).status === 200 ? true : undefined), 10_000);
    const after = await readTopic(brokers.output.bootstrap, 'relayed');

    const ids = new Set([...delivered, ...after].map((m) => m.id));
    const seqs = new Set([...delivered, ...after].map((m) => (JSON.parse(m.value) as { seq: number }).seq));
    assert.ok(!ids.has(null), 'every message carries its id');
    assert.equal(ids.size, first.length + second.length, 'one distinct output id per input record');
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      [...first, ...second].map((p) => p.value.seq),
      'no output is missing',
    );
    const afterSeqs = new Set(after.map((m) => (JSON.parse(m.value) as { seq: number }).seq));
    assert.deepEqual(
      second.map((p) => p.value.seq).filter((seq) => !afterSeqs.has(seq)),
      [],
      'the outputs made during the outage reached the broker that came back',
    );
  } finally {
    runner.stop();
    await running;
    await server.close();
    await view.close?.();
  }
});
