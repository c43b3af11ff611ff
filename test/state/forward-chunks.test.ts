/**
 * Records forwarded to a later stage, on real LMDB files: a batch stores them as one packed chunk per target slot, in
 * emission order (what a restart routes again), and the batch that applies a chunk deletes it. Timers fired in a batch are gone
 * from the timers table after its commit, whether stored by an earlier batch or added in the same one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState } from '../../src/state/backend.js';
import { SlotBatch } from '../../src/state/slot-batch.js';
import { unappliedForwards } from '../../src/runtime/recovery.js';
import { unpackColumns } from '../../src/runtime/record-columns.js';

const KEY_GROUPS = [0, 1, 2, 3];

function withState(run: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-forward-chunks-'));
    try {
      await run(dir);
    } finally {
      await closeState(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'forwards are stored as one packed chunk per target slot, in emission order, deleted once applied',
  withState((dir) => {
    const dbs = openState(dir);
    const producer = new SlotBatch(dbs, 1, 0, KEY_GROUPS, []);
    producer.begin();
    const targets = [3, 5, 3, 3, 5, 3, 3];
    targets.forEach((slot, i) => producer.addForward({ stage: 2, slot, id: `r${i}`, key: `k${i}`, kg: i, value: { i }, timestamp: 100 + i }));
    producer.commit();

    const recordsOf = (packed: Uint8Array) => {
      const c = unpackColumns(packed);
      return Array.from({ length: c.length }, (_, i) => [
        c.id[i],
        c.key[i],
        c.keyGroup[i],
        c.value[i],
        c.timestamp[i],
        c.pidIndex[i],
        c.offset[i],
        c.watermark[i],
      ]);
    };
    // No source position, and no watermark of their own (-Infinity): the consuming worker moves its watermark to a
    // record's stamp, and the stamp of a forwarded run is the main thread's to give when it arrives.
    const expected = (slot: number) => targets.flatMap((t, i) => (t === slot ? [[`r${i}`, `k${i}`, i, { i }, 100 + i, -1, -1, -Infinity]] : []));
    const chunks = producer.pendingForwardChunks;
    assert.deepEqual(
      chunks.map((c) => [c.stage, c.slot, c.chunkId, c.length]),
      [
        [2, 3, [1, 0, 0, 3], 5],
        [2, 5, [1, 0, 0, 5], 2],
      ],
    );
    assert.deepEqual(recordsOf(chunks[0]!.records), expected(3));
    assert.deepEqual(unpackColumns(chunks[0]!.records).chunk, [1, 0, 0, 3], 'a chunk names itself, so the batch that applies it can delete it');
    // What a restart routes again is what was stored: the same chunks, slots and records.
    const stored = unappliedForwards(dbs);
    assert.deepEqual(
      stored.map((c) => [c.stage, c.chunkId, c.slot, c.length]),
      [
        [2, [1, 0, 0, 3], 3, 5],
        [2, [1, 0, 0, 5], 5, 2],
      ],
    );
    assert.deepEqual(recordsOf(stored[1]!.records), expected(5));

    // Slot 3 applies its chunk: it is gone; slot 5's chunk is untouched.
    const consumer = new SlotBatch(dbs, 2, 3, KEY_GROUPS, []);
    consumer.begin();
    consumer.consumeForwards(2, [1, 0, 0, 3]);
    consumer.commit();
    assert.deepEqual(
      unappliedForwards(dbs).map((c) => c.chunkId),
      [[1, 0, 0, 5]],
    );
    // The consumer's next batch applies nothing: it has nothing to delete (deleting the chunk again would fail).
    consumer.begin();
    consumer.commit();
  }),
);

test(
  "a producer's chunks are listed in the order it made them, past ten and across a restart of the producer",
  withState((dir) => {
    const dbs = openState(dir);
    const made: number[] = [];
    // Twelve batches of slot 2 of stage 1 each forward one record to slot 0 of stage 2; none is applied yet.
    for (let b = 0; b < 12; b++) {
      // A new SlotBatch for each, as after a restart of the producer: the sequence is read back from the table.
      const producer = new SlotBatch(dbs, 1, 2, KEY_GROUPS, []);
      producer.begin();
      producer.addForward({ stage: 2, slot: 0, id: `z${11 - b}`, key: 'k', kg: 0, value: b, timestamp: b });
      producer.commit();
      made.push(producer.pendingForwardChunks[0]!.chunkId[2]);
    }
    assert.deepEqual(
      made,
      Array.from({ length: 12 }, (_, b) => b),
      'each batch numbers its chunk one past the last',
    );
    const listed = unappliedForwards(dbs).map((c) => unpackColumns(c.records).value[0]);
    assert.deepEqual(
      listed,
      Array.from({ length: 12 }, (_, b) => b),
      'listed in the order made, not by record id or as text',
    );
  }),
);

test(
  'applying a chunk that is not stored fails instead of losing track',
  withState((dir) => {
    const dbs = openState(dir);
    const consumer = new SlotBatch(dbs, 2, 0, KEY_GROUPS, []);
    consumer.begin();
    consumer.consumeForwards(2, [1, 3, 7, 0]);
    assert.throws(() => consumer.commit(), /forward chunk 7 of stage 1 slot 3 to stage 2 slot 0 is not in the state/);
  }),
);

test(
  'fired timers leave the table, whether stored earlier or added in the same batch',
  withState((dir) => {
    const dbs = openState(dir);
    const batch = new SlotBatch(dbs, 1, 0, KEY_GROUPS, ['w']);
    batch.begin();
    batch.timers.register('w', 1, 'a', 50, 'x', 'events/0/1');
    batch.commit();
    assert.equal(dbs.timers.getKeysCount(), 1);

    batch.begin();
    batch.timers.register('w', 2, 'b', 60, 'y', 'events/0/2');
    const due = batch.timers.takeDue('w', 100);
    assert.deepEqual(
      due.map((t) => [t.key, t.time, t.registeredBy]),
      [
        ['a', 50, 'events/0/1'],
        ['b', 60, 'events/0/2'],
      ],
      'stored or added, a timer knows what registered it',
    );
    batch.commit();
    assert.equal(dbs.timers.getKeysCount(), 0);
  }),
);

test(
  'each producer numbers its chunks on its own, whatever other slots and stages have stored',
  withState((dir) => {
    const dbs = openState(dir);
    const forwardFrom = (stage: number, slot: number, target: number) => {
      const producer = new SlotBatch(dbs, stage, slot, KEY_GROUPS, []);
      producer.begin();
      producer.addForward({ stage: target, slot: 0, id: `${stage}.${slot}`, key: 'k', kg: 0, value: 0, timestamp: 0 });
      producer.commit();
      return producer.pendingForwardChunks[0]!.chunkId[2];
    };
    // Slot 1 of stage 1 has made three chunks for stage 3, slot 3 one, stage 2 slot 2 one for stage 3 and one for stage 4.
    assert.deepEqual(
      [forwardFrom(1, 1, 3), forwardFrom(1, 1, 3), forwardFrom(1, 1, 3), forwardFrom(1, 3, 3), forwardFrom(2, 2, 3), forwardFrom(2, 2, 4)],
      [0, 1, 2, 0, 0, 0],
    );
    assert.equal(forwardFrom(1, 2, 3), 0, 'a slot with no chunk of its own starts at 0, between two that have some');
    assert.equal(forwardFrom(1, 1, 3), 3);
    assert.equal(forwardFrom(1, 3, 3), 1);
    assert.equal(forwardFrom(1, 4, 3), 0, 'after the last producer that has chunks');
    assert.equal(forwardFrom(1, 0, 3), 0, 'before the first');
    assert.equal(forwardFrom(2, 2, 3), 1);
    assert.equal(forwardFrom(2, 2, 4), 1);
  }),
);
