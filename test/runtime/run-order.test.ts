/**
 * The run order (an executor's source order over column runs): the records it hands on, and when, are exactly those
 * the source order (source-order.ts, one object per record) hands on for the same input: by stamp, then partition
 * index, then offset, only stamps below the watermark, everything when told so; checked on random runs with many
 * equal stamps, and by hand on a small case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunOrder, type HeldColumns } from '../../src/runtime/run-order.js';
import { SourceOrder } from '../../src/runtime/source-order.js';
import { heldRecord } from './fixtures/held-record.js';
import { mulberry32 } from './fixtures/events.js';

/** A run of records given as [partition index, offset, stamp]. */
function run(records: Array<[number, number, number]>): HeldColumns {
  return {
    length: records.length,
    pidIndex: records.map((r) => r[0]),
    offset: records.map((r) => r[1]),
    timestamp: records.map((r) => r[2]),
    watermark: records.map((r) => r[2]),
    keyGroup: records.map(() => 0),
    key: records.map(() => 'k'),
    id: records.map(() => null),
    value: records.map(() => null),
  };
}

test('hands on by stamp, then partition index, then offset, only below the watermark, all when told', () => {
  const order = new RunOrder();
  order.hold(
    run([
      [1, 0, 10],
      [1, 1, 15],
    ]),
  );
  order.hold(
    run([
      [0, 0, 10],
      [0, 1, 20],
    ]),
  );
  const out: string[] = [];
  const take = (c: HeldColumns, i: number): void => void out.push(`${c.pidIndex[i]}@${c.offset[i]}`);
  order.release(10, false, take);
  assert.deepEqual(out, [], 'a stamp equal to the watermark waits');
  order.release(16, false, take);
  assert.deepEqual(out, ['0@0', '1@0', '1@1']);
  assert.deepEqual(order.firstHeld(0), { offset: 1, stamp: 20 });
  assert.equal(order.firstHeld(1), null);
  order.release(16, true, take);
  assert.deepEqual(out, ['0@0', '1@0', '1@1', '0@1']);
  assert.equal(order.length, 0);
});

test('on random runs, the same records in the same order at every release as the source order', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = mulberry32(seed);
    const partitions = 1 + Math.floor(rand() * 5);
    const next = Array<number>(partitions).fill(0);
    const stamps = Array<number>(partitions).fill(-Infinity);
    const runs = new RunOrder();
    const records = new SourceOrder();
    const fromRuns: string[] = [];
    const fromRecords: string[] = [];
    for (let round = 0; round < 30; round++) {
      // Each executor's run holds the partitions it read, one after another; stamps grow in small steps, often tied.
      const run1: Array<[number, number, number]> = [];
      for (let p = 0; p < partitions; p++) {
        const n = Math.floor(rand() * 6);
        for (let i = 0; i < n; i++) {
          if (rand() < 0.5) stamps[p] = stamps[p] === -Infinity ? Math.floor(rand() * 3) : stamps[p]! + Math.floor(rand() * 3);
          run1.push([p, next[p]!++, stamps[p]!]);
        }
      }
      runs.hold(run(run1));
      for (const [p, offset, stamp] of run1) records.hold(heldRecord(p, offset, stamp));
      const watermark = Math.min(...stamps) - Math.floor(rand() * 2);
      const everything = round === 29;
      runs.release(watermark, everything, (c, i) => void fromRuns.push(`${c.pidIndex[i]}@${c.offset[i]}`));
      records.release(watermark, everything, (r) => void fromRecords.push(`${r.pidIndex}@${r.offset}`));
      assert.deepEqual(fromRuns, fromRecords, `seed ${seed}, round ${round}`);
      assert.equal(runs.length, records.length);
      for (let p = 0; p < partitions; p++) assert.equal(runs.firstHeld(p)?.offset, records.firstHeld(p)?.offset);
    }
    assert.equal(runs.length, 0);
  }
});
