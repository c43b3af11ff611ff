/**
 * The model step's pending list: inserting keeps it in the order a stable sort by order key gives, and the due
 * prefix is exactly the examples whose emission time is at most the tick, whatever the ids look like.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../../src/core/seeded-random.js';
import type { PendingExample } from '../../../src/jobs/model/model-state.js';
import { dueCount, insertInOrder } from '../../../src/jobs/model/pending-examples.js';
import { timeKey } from '../../../src/jobs/model/training-example.js';

const example = (time: number, id: string, n: number): PendingExample => [`${timeKey(time)}/${id}`, { n: String(n) }, 0, time, null, null, null, `u${n}`];

test('inserting keeps the list in stable order of the order key, out-of-order arrivals included', () => {
  for (const seed of [1, 2, 3]) {
    const next = mulberry32(seed);
    const pending: PendingExample[] = [];
    const arrived: PendingExample[] = [];
    let clock = 1_767_225_600_000;
    for (let n = 0; n < 2000; n++) {
      clock += Math.floor(next() * 50);
      // A fifth arrive late by up to 5 s; ids repeat so that equal keys occur.
      const time = next() < 0.2 ? clock - Math.floor(next() * 5000) : clock;
      const e = example(time, `e${Math.floor(next() * 40)}`, n);
      arrived.push(e);
      insertInOrder(pending, e);
    }
    const sorted = [...arrived].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    assert.deepEqual(
      pending.map((e) => e[7]),
      sorted.map((e) => e[7]),
    );
  }
});

test('the due prefix holds exactly the examples emitted at or before the tick', () => {
  const pending: PendingExample[] = [];
  // Ids that sort before and after the digits and the separator, at, just before and just after the tick.
  const tick = 1_767_225_660_000;
  for (const [time, id] of [
    [tick - 1, 'z'],
    [tick, '0'],
    [tick, '~'],
    [tick, 'A'],
    [tick + 1, '!'],
    [tick + 1000, 'a'],
  ] as const)
    insertInOrder(pending, example(time, id, time));
  const due = dueCount(pending, tick);
  assert.equal(due, 4);
  assert.ok(pending.slice(0, due).every((e) => e[3] <= tick));
  assert.ok(pending.slice(due).every((e) => e[3] > tick));
  assert.equal(dueCount(pending, tick - 2), 0);
  assert.equal(dueCount(pending, tick + 1000), pending.length);
});
