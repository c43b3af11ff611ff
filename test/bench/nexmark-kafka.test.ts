/**
 * The Kafka-in Kafka-out Nexmark runs against the dev broker (in its own process): the traffic process produces every
 * event and the end markers, the job reads them all, and the output topic ends up holding exactly as many records as
 * the plain baseline produces, with no offset gap; q8 checks that the end markers fire the windows, q3 the join.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { runChild } from '../../bench/child-process.js';
import type { KafkaQueryResult, KafkaQueryRun } from '../../bench/nexmark/measure-kafka-query.js';

const script = fileURLToPath(new URL('../../bench/nexmark/measure-kafka-query.js', import.meta.url));
const EVENTS = 30_000;

for (const query of ['q3', 'q8']) {
  test(`nexmark ${query} through Kafka: all events read, outputs on the topic equal the baseline's count`, async () => {
    const broker = await spawnDevBroker({ topics: [`nexmark-${query}-in`, `nexmark-${query}-out`] });
    try {
      const r = await runChild<KafkaQueryResult>(script, { query, workers: 2, events: EVENTS, bootstrap: broker.bootstrap, aheadBytes: 2 ** 20, stallSeconds: 20 } satisfies KafkaQueryRun);
      assert.equal(r.produced, EVENTS);
      assert.equal(r.read, EVENTS + 4, 'every event and one end marker per partition read');
      assert.ok(r.expectedOutputs > 0);
      assert.equal(r.outputs, r.expectedOutputs);
      assert.equal(r.outputGaps, 0);
    } finally {
      await broker.stop();
    }
  });
}
