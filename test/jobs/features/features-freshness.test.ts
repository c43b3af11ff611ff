/**
 * Freshness over HTTP while the job runs: topologies/features-kafka.yaml reads an unbounded topic of the dev broker
 * and serves from its query thread on a real port. A probe user's one event is produced, then other users' events
 * move event time on; the probe's features appear over HTTP once the watermark has passed the event's snapshot time,
 * reflect the event, and are never as of a time the job's watermark has not reached.
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
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { startQueryEndpoint } from '../../../src/runtime/query-host.js';
import { JobRunner } from '../../../src/runtime/runner.js';

const topology = fileURLToPath(new URL('../../../../topologies/features-kafka.yaml', import.meta.url));
const MINUTE = 60_000;
let broker: SpawnedBroker;

before(async () => {
  broker = await spawnDevBroker({ topics: ['events'] });
  process.env.FLYWHEEL_BROKERS = broker.bootstrap;
});

after(async () => {
  await broker.stop();
});

function produce(events: Array<Record<string, unknown>>): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': broker.bootstrap, dr_cb: true });
  return new Promise((resolve, reject) => {
    producer.connect({}, (err) => {
      if (err) return reject(err);
      for (const e of events) producer.produce('events', null, Buffer.from(JSON.stringify(e)), String(e.userId));
      producer.flush(10_000, () => producer.disconnect(() => resolve()));
    });
  });
}

test('a probe event shows over HTTP once the watermark passes its snapshot time, and not as of a later time', { timeout: 120_000 }, async () => {
  const { graph } = await loadTopology(topology);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-fresh-'));
  const controller = new AbortController();
  const runner = new JobRunner({ job: { kind: 'topology', file: topology }, graph, stateDir, workers: 1, slots: 4, signal: controller.signal });
  const running = runner.run();
  try {
    await runner.opened;
    const server = await startQueryEndpoint(runner, { kind: 'topology', file: topology }, stateDir, 0, '127.0.0.1');
    try {
      const t0 = Date.UTC(2026, 10, 1);
      const probe = { type: 'view', userId: 'probe', itemId: 'i1', ts: t0 + 1_000 };
      // Other users' events every 100 ms of event time for 3 minutes: past the probe's snapshot (t0 + 1 min) and
      // the 5 s watermark delay, on every partition.
      const fillers = Array.from({ length: 1800 }, (_, i) => ({ type: 'view', userId: `u${i % 50}`, itemId: `i${i % 7}`, ts: t0 + i * 100 }));
      await produce([probe, ...fillers]);
      let served: FeatureRecord | null = null;
      let watermarkWhenRead = -Infinity;
      while (!served) {
        const res = await fetch(`${server.url}/features/users/probe`);
        watermarkWhenRead = runner.watermark;
        if (res.status === 200) served = (await res.json()) as FeatureRecord;
        else {
          assert.equal(res.status, 404, 'before its first snapshot the probe user is unknown');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.equal(served.features.windows.lifetime!.view, 1, 'the served features reflect the probe event');
      assert.ok(served.asOf > probe.ts, `snapshot as of ${served.asOf} covers the event at ${probe.ts}`);
      assert.equal(served.asOf, t0 + MINUTE, 'the first snapshot after the event: the next whole minute of event time');
      assert.ok(served.asOf <= watermarkWhenRead, `served as of ${served.asOf}, a time the job's watermark (${watermarkWhenRead}) has reached`);
    } finally {
      await server.close();
    }
  } finally {
    controller.abort();
    await running;
    rmSync(stateDir, { recursive: true, force: true });
  }
});
