/**
 * The source order: records of several partitions are handed on sorted by (stamp, partition index, offset), only
 * once the watermark is past their stamp, whatever the order they arrived in; everything once told the sources
 * are idle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceOrder, type HeldRecord } from '../../src/runtime/source-order.js';
import { mulberry32 } from './fixtures/events.js';
import { heldRecord } from './fixtures/held-record.js';

const record = heldRecord;
const label = (r: HeldRecord) => `${r.pidIndex}@${r.offset}`;

test('hands on by stamp, then partition index, then offset, and only stamps below the watermark', () => {
  const order = new SourceOrder();
  order.hold(record(1, 0, 10));
  order.hold(record(0, 0, 10));
  order.hold(record(0, 1, 20));
  order.hold(record(1, 1, 15));
  const out: string[] = [];
  const take = (r: HeldRecord): void => void out.push(label(r));
  order.release(10, false, take);
  assert.deepEqual(out, [], 'a stamp equal to the watermark waits: its partition may still produce that stamp');
  order.release(16, false, take);
  assert.deepEqual(out, ['0@0', '1@0', '1@1']);
  assert.equal(order.length, 1);
  assert.equal(order.firstHeld(0)?.offset, 1);
  assert.equal(order.firstHeld(1), undefined);
  order.release(16, true, take);
  assert.deepEqual(out, ['0@0', '1@0', '1@1', '0@1'], 'idle sources: everything held is handed on');
  assert.equal(order.released, 16);
});

test('the order handed on does not depend on how the partitions interleave on arrival', () => {
  // Each partition's stamps never decrease (a partition's watermark); arrival interleaves partitions at random.
  const partitions = Array.from({ length: 4 }, (_, p) => {
    const rand = mulberry32(100 + p);
    let stamp = 0;
    return Array.from({ length: 200 }, (_, offset) => record(p, offset, (stamp += Math.floor(rand() * 3))));
  });
  const expected = partitions
    .flat()
    .sort((a, b) => a.stamp - b.stamp || a.pidIndex - b.pidIndex || a.offset - b.offset)
    .map(label);
  for (const seed of [1, 2, 3]) {
    const rand = mulberry32(seed);
    const order = new SourceOrder();
    const next = [0, 0, 0, 0];
    const latest = [-Infinity, -Infinity, -Infinity, -Infinity];
    const out: string[] = [];
    while (next.some((n, p) => n < partitions[p]!.length)) {
      const p = Math.floor(rand() * 4);
      if (next[p]! >= partitions[p]!.length) continue;
      const r = partitions[p]![next[p]!++]!;
      order.hold(r);
      latest[p] = next[p]! === partitions[p]!.length ? Infinity : r.stamp;
      order.release(Math.min(...latest), false, (x) => void out.push(label(x)));
    }
    order.release(Infinity, false, (x) => void out.push(label(x)));
    assert.deepEqual(out, expected, `arrival order of seed ${seed}`);
  }
});
