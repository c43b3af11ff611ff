/**
 * The ring of the latest dead letters: what the tapped sink acknowledged, newest first, paged without records, one
 * by id with its record; past its capacity the oldest go and the total still counts them; a write that fails is
 * not recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SinkConnector, SinkRecord } from '../../src/connectors/connector.js';
import { CAPACITY, RecentDeadLetters } from '../../src/runtime/recent-dead-letters.js';

function deadLetter(n: number): SinkRecord {
  return {
    id: `dl-${n}`,
    key: null,
    value: { reason: `reason ${n}`, step: 'parse', source: 'events', partition: 0, offset: n, record: `raw ${n}` },
    timestamp: n,
  };
}

test('newest first, paged without records, one by id with its record, the oldest dropped past capacity', async () => {
  const recent = new RecentDeadLetters();
  let failNext = false;
  const sink: SinkConnector = {
    id: 'dlq',
    destination: 'memory',
    open: async () => {},
    close: async () => {},
    write: async () => {
      if (failNext) throw new Error('down');
    },
  };
  const tapped = recent.tap(sink);
  assert.equal(tapped.id, 'dlq');
  const total = CAPACITY + 30;
  for (let n = 0; n < total; n += 10) await tapped.write(Array.from({ length: 10 }, (_, i) => deadLetter(n + i)));
  failNext = true;
  await assert.rejects(tapped.write([deadLetter(9999)]), /down/);

  const first = recent.page({ offset: 0, limit: 3 });
  assert.equal(first.total, total);
  assert.equal(first.kept, CAPACITY);
  assert.deepEqual(
    first.items.map((d) => d.id),
    [`dl-${total - 1}`, `dl-${total - 2}`, `dl-${total - 3}`],
  );
  assert.ok(
    first.items.every((d) => !('record' in d)),
    'a page carries no records',
  );
  const last = recent.page({ offset: CAPACITY - 2, limit: 10 });
  assert.deepEqual(
    last.items.map((d) => d.id),
    ['dl-31', 'dl-30'],
    'the 30 oldest are gone',
  );
  assert.deepEqual(
    recent.page({ offset: 0, limit: 1, id: `dl-${total - 5}` }).items.map((d) => [d.id, (d as { record: unknown }).record, d.reason, d.offset]),
    [[`dl-${total - 5}`, `raw ${total - 5}`, `reason ${total - 5}`, total - 5]],
  );
  assert.deepEqual(recent.page({ offset: 0, limit: 1, id: 'dl-0' }).items, [], 'dropped from the ring');
});
