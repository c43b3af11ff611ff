/**
 * topologies/features-kafka.yaml against the dev broker over real TCP: events produced to the `events` topic, the
 * feature job reading them (a bounded replay) and writing every change to the `user-features` and `item-features`
 * topics. Each change is keyed by its entity id, so the last message per key (what a compacted topic keeps) is the
 * entity's latest features: checked against the reference lifetime values and against what the job serves from LMDB.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Kafka from 'node-rdkafka';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { STATE, type FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { readTopic } from '../../connectors/kafka/topic-reader.js';
import { makeEvents } from './event-maker.js';
import { referenceTally } from './reference-features.js';

const topology = fileURLToPath(new URL('../../../../topologies/features-kafka.yaml', import.meta.url));
let broker: SpawnedBroker;

before(async () => {
  broker = await spawnDevBroker();
  process.env.FLYWHEEL_BROKERS = broker.bootstrap;
  process.env.FLYWHEEL_EVENTS_BOUNDED = 'true';
});

after(async () => {
  delete process.env.FLYWHEEL_EVENTS_BOUNDED;
  await broker.stop();
});

function produceEvents(values: object[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': broker.bootstrap, dr_cb: true });
  return new Promise((resolve, reject) => {
    producer.connect({}, (err) => {
      if (err) return reject(err);
      for (const v of values) producer.produce('events', null, Buffer.from(JSON.stringify(v)), (v as { userId: string }).userId);
      producer.flush(10_000, () => producer.disconnect(() => resolve()));
    });
  });
}

test('every feature change reaches its topic keyed by entity id; the last per key is the latest features', { timeout: 180_000 }, async () => {
  const events = makeEvents({ seed: 41, count: 3000, users: 30, items: 40, categories: 6, start: Date.UTC(2026, 5, 1), meanGap: 2_000, jitter: 4_000 });
  await produceEvents(events);
  const { graph } = await loadTopology(topology);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-topic-'));
  try {
    const runner = new JobRunner({ job: { kind: 'topology', file: topology }, graph, stateDir, workers: 2, slots: 8 });
    await runner.run();
    const view = jobView(runner, stateDir);
    const sent = new Map(
      (await runner.metrics.registry.getMetricsAsJSON())
        .find((m) => m.name === 'flywheel_records_in_total')!
        .values.map((v) => [v.labels.step, Number(v.value)]),
    );
    for (const [topic, step, plural, keyOf] of [
      ['user-features', 'user-features', 'users', (e: (typeof events)[number]) => e.userId],
      ['item-features', 'item-features', 'items', (e: (typeof events)[number]) => e.itemId],
    ] as const) {
      const messages = await readTopic(broker.bootstrap, topic);
      assert.equal(
        messages.length,
        sent.get(topic === 'user-features' ? 'user-changes' : 'item-changes'),
        `${topic}: one message per change the sink was given`,
      );
      const last = new Map<string, FeatureRecord>();
      for (const m of messages) {
        const record = JSON.parse(m.value) as FeatureRecord;
        assert.equal(m.key, record.id, `${topic}: the message key is the entity id`);
        last.set(m.key!, record);
      }
      const ids = new Set(events.map(keyOf).filter((id): id is string => id !== undefined));
      assert.deepEqual([...last.keys()].sort(), [...ids].sort(), `${topic}: every one of the ${plural} has features`);
      for (const [id, record] of last) {
        const want = referenceTally(
          events.filter((e) => keyOf(e) === id),
          Infinity,
          null,
        );
        const lifetime = record.features.windows.lifetime!;
        for (const type of ['view', 'click', 'cart', 'purchase']) assert.equal(lifetime[type], want.counts[type], `${id} ${type}`);
        assert.equal(lifetime.gmv, want.gmv, `${id} gmv`);
        assert.deepEqual(view.state.value(step, id, STATE.features), record, `${id}: the served features are the last change`);
      }
    }
    await view.close?.();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
