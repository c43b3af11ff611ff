/**
 * The Kafka-in Kafka-out Nexmark runs against the dev broker (in its own process): the traffic process produces every
 * event and the end markers, the job reads them all, and the output topic ends up holding exactly as many records as
 * the plain baseline produces, with no offset gap, and the same records: the messages' values (msgpack, decoded), as a
 * multiset, equal the plain baseline's outputs over the same events, and for q8 their timestamps too (a window's end
 * minus 1). A q3 result's timestamp is that of the person or the auction, whichever arrived second, which depends on
 * how the topic's partitions interleave: it is not compared. q8 checks that the end markers fire the windows, q3 the join.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { unpack } from 'msgpackr';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { runChild } from '../../bench/child-process.js';
import { baselines } from '../../bench/nexmark/baseline.js';
import type { KafkaQueryResult, KafkaQueryRun } from '../../bench/nexmark/measure-kafka-query.js';
import type { NexmarkEvent } from '../../bench/nexmark/model.js';
import { readTopic } from '../connectors/kafka/topic-reader.js';

const script = fileURLToPath(new URL('../../bench/nexmark/measure-kafka-query.js', import.meta.url));
const EVENTS = 30_000;

/** Outputs as comparable text, sorted: the topic's partitions interleave them in no particular order. */
const canonical = (outputs: Array<{ value: unknown; timestamp: number | null }>) => outputs.map((o) => JSON.stringify(o)).sort();

for (const [query, timestamped] of [
  ['q3', false],
  ['q8', true],
] as const) {
  test(`nexmark ${query} through Kafka: all events read, the outputs on the topic equal the baseline's`, async () => {
    const broker = await spawnDevBroker({ topics: [`nexmark-${query}-in`, `nexmark-${query}-out`] });
    try {
      const r = await runChild<KafkaQueryResult>(script, {
        query,
        workers: 2,
        events: EVENTS,
        bootstrap: broker.bootstrap,
        aheadBytes: 2 ** 20,
        stallSeconds: 20,
      } satisfies KafkaQueryRun);
      assert.equal(r.produced, EVENTS);
      assert.equal(r.read, EVENTS + 4, 'every event and one end marker per partition read');
      assert.ok(r.expectedOutputs > 0);
      assert.equal(r.outputs, r.expectedOutputs);
      assert.equal(r.outputGaps, 0);
      const expected: Array<{ value: unknown; timestamp: number | null }> = [];
      baselines[query]!(nexmarkEvents({ count: EVENTS, partitions: 4 }) as Iterable<NexmarkEvent>, (value, timestamp) =>
        expected.push({ value, timestamp: timestamped ? timestamp : null }),
      );
      const got = (await readTopic(broker.bootstrap, `nexmark-${query}-out`)).map((m) => ({
        value: unpack(m.bytes) as unknown,
        timestamp: timestamped ? m.timestamp : null,
      }));
      assert.deepEqual(canonical(got), canonical(expected), `the outputs equal the baseline's, ${timestamped ? 'values and timestamps' : 'values'}`);
    } finally {
      await broker.stop();
    }
  });
}
