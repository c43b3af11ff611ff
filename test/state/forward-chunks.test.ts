/**
 * Records forwarded to a later stage, on real LMDB files: a batch stores them as one chunk per target slot, in
 * emission order; a consuming batch that applies only the first records of a chunk leaves the rest stored (what a
 * restart would route again), and the batch that applies the rest deletes the chunk. Timers fired in a batch are gone
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

test('forwards are stored as one chunk per target slot, applied in prefixes, deleted when all are applied', withState((dir) => {
  const dbs = openState(dir);
  const producer = new SlotBatch(dbs, 1, 0, KEY_GROUPS, []);
  producer.begin();
  const targets = [3, 5, 3, 3, 5, 3, 3];
  targets.forEach((slot, i) => producer.addForward({ stage: 2, slot, id: `r${i}`, key: `k${i}`, kg: i, value: { i }, timestamp: 100 + i }));
  producer.commit();

  const chunks = producer.pendingForwardChunks;
  assert.deepEqual(chunks.map((c) => [c.stage, c.chunkId, c.records.map((r) => r[0])]), [
    [2, 'r0', ['r0', 'r2', 'r3', 'r5', 'r6']],
    [2, 'r1', ['r1', 'r4']],
  ]);
  assert.deepEqual(unappliedForwards(dbs).map((f) => f.id).sort(), targets.map((_, i) => `r${i}`).sort());

  // Slot 3 applies the first three of its five records in one batch...
  const consumer = new SlotBatch(dbs, 2, 3, KEY_GROUPS, []);
  consumer.begin();
  consumer.consumeForwards(2, 'r0', 2);
  consumer.consumeForwards(2, 'r0', 1);
  consumer.commit();
  const left = unappliedForwards(dbs).filter((f) => f.chunkId === 'r0');
  assert.deepEqual(left.map((f) => [f.id, f.key, f.keyGroup, f.value, f.timestamp]), [
    ['r5', 'k5', 5, { i: 5 }, 105],
    ['r6', 'k6', 6, { i: 6 }, 106],
  ]);

  // ...and the rest in the next: the chunk is gone; slot 5's chunk is untouched.
  consumer.begin();
  consumer.consumeForwards(2, 'r0', 2);
  consumer.commit();
  assert.deepEqual(unappliedForwards(dbs).map((f) => f.id), ['r1', 'r4']);
}));

test('applying more of a chunk than is stored fails instead of losing track', withState((dir) => {
  const dbs = openState(dir);
  const consumer = new SlotBatch(dbs, 2, 0, KEY_GROUPS, []);
  consumer.begin();
  consumer.consumeForwards(2, 'missing', 1);
  assert.throws(() => consumer.commit(), /forward chunk missing of stage 2 is not in the state/);
}));

test('fired timers leave the table, whether stored earlier or added in the same batch', withState((dir) => {
  const dbs = openState(dir);
  const batch = new SlotBatch(dbs, 1, 0, KEY_GROUPS, ['w']);
  batch.begin();
  batch.timers.register('w', 1, 'a', 50, 'x', 'events/0/1');
  batch.commit();
  assert.equal(dbs.timers.getKeysCount(), 1);

  batch.begin();
  batch.timers.register('w', 2, 'b', 60, 'y', 'events/0/2');
  const due = batch.timers.takeDue('w', 100);
  assert.deepEqual(due.map((t) => [t.key, t.time, t.registeredBy]), [['a', 50, 'events/0/1'], ['b', 60, 'events/0/2']], 'stored or added, a timer knows what registered it');
  batch.commit();
  assert.equal(dbs.timers.getKeysCount(), 0);
}));
