/**
 * Window contract tests on virtual time, through the operator harness: tumbling, sliding and session windows,
 * allowed lateness with re-firing, the late side output, out-of-order input and timer cleanup. Expected results are
 * derived by hand from the window definitions in each test, or, for random input, computed window by window from
 * the definition itself; never from the operator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../harness/operator-harness.js';
import type { WindowResult } from '../../src/api/types.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const countWindows = (assigner: Record<string, unknown>, allowedLateness = 0) =>
  OperatorHarness.of('window', { assigner, aggregate: { type: 'count' }, allowedLateness });

const results = (h: OperatorHarness) => h.outputs.map((o) => o.value as WindowResult<number>).map((r) => [r.key, r.start, r.end, r.value]);

test('tumbling windows fire when the watermark passes their end, in any arrival order', () => {
  const h = countWindows({ type: 'tumbling', size: 10 });
  // Out of order within bounds: 12 before 3; window [0,10) gets 3, 7, 9; [10,20) gets 12, 15.
  for (const ts of [12, 3, 7, 15, 9]) h.processElement('a', { ts }, ts);
  h.processElement('b', {}, 4);
  h.processWatermark(8);
  assert.deepEqual(results(h), [], 'no window ends at or before 8');
  h.processWatermark(9);
  assert.deepEqual(results(h), [
    ['a', 0, 10, 3],
    ['b', 0, 10, 1],
  ]);
  h.processWatermark(100);
  assert.deepEqual(results(h).slice(2), [['a', 10, 20, 2]]);
  assert.equal(h.stateEntries(), 0, 'fired windows without lateness are purged');
  assert.equal(h.pendingTimers(), 0);
  assert.deepEqual(
    h.outputs.map((o) => o.timestamp),
    [9, 9, 19],
    'a result carries its window end - 1 as event time',
  );
});

test('sliding windows: each record counts in size/slide windows', () => {
  const h = countWindows({ type: 'sliding', size: 10, slide: 5 });
  h.processElement('k', {}, 7); // windows [0,10) and [5,15)
  h.processElement('k', {}, 12); // windows [5,15) and [10,20)
  h.processWatermark(1000);
  assert.deepEqual(results(h), [
    ['k', 0, 10, 1],
    ['k', 5, 15, 2],
    ['k', 10, 20, 1],
  ]);
});

test('session windows merge overlapping sessions, also when a late-arriving record bridges two', () => {
  const h = countWindows({ type: 'session', gap: 10 });
  h.processElement('u', {}, 0); // [0,10)
  h.processElement('u', {}, 25); // [25,35)
  h.processElement('u', {}, 12); // [12,22): overlaps neither yet
  h.processElement('u', {}, 8); // [8,18): bridges [0,10) and [12,22) -> [0,22)
  h.processWatermark(23);
  assert.deepEqual(results(h), [['u', 0, 22, 3]]);
  h.processElement('u', {}, 30); // joins [25,35) -> [25,40)
  h.processWatermark(100);
  assert.deepEqual(results(h).slice(1), [['u', 25, 40, 2]]);
  assert.equal(h.pendingTimers(), 0, 'timers of merged-away sessions are deleted');
});

test('allowed lateness: a late record within lateness re-fires the window; past it, the record goes to the late output', () => {
  const h = countWindows({ type: 'tumbling', size: 10 }, 5);
  h.processElement('a', 'x', 1);
  h.processWatermark(9);
  assert.deepEqual(results(h), [['a', 0, 10, 1]]);
  h.processElement('a', 'y', 2); // watermark 9 < 9 + 5: allowed, fires again at once with the update
  assert.deepEqual(results(h).slice(1), [['a', 0, 10, 2]]);
  h.processWatermark(14); // purge timer at 9 + 5 = 14
  assert.equal(h.stateEntries(), 0, 'window purged once lateness has passed');
  h.processElement('a', 'z', 3); // now too late
  assert.deepEqual(
    h.sideOutput('late').map((o) => o.value),
    ['z'],
  );
  assert.equal(h.outputs.length, 2, 'a late record never updates a purged window');
});

test('without lateness a record for a closed window is late and counted on the late output only', () => {
  const h = countWindows({ type: 'tumbling', size: 10 });
  h.processWatermark(50);
  h.processElement('a', 'old', 5);
  h.processElement('a', 'fresh', 55);
  assert.deepEqual(
    h.sideOutput('late').map((o) => o.value),
    ['old'],
  );
  h.processWatermark(100);
  assert.deepEqual(results(h), [['a', 50, 60, 1]]);
});

test('a sliding-window record is late only when all its windows have closed', () => {
  const h = countWindows({ type: 'sliding', size: 10, slide: 5 });
  h.processWatermark(9); // [0,10) closed, [5,15) open
  h.processElement('k', {}, 7);
  assert.equal(h.sideOutput('late').length, 0);
  h.processWatermark(100);
  assert.deepEqual(results(h), [['k', 5, 15, 1]]);
});

test('sum and avg aggregate a field; a snapshot restores windows and timers', () => {
  const h = OperatorHarness.of('window', { assigner: { type: 'tumbling', size: 10 }, aggregate: { type: 'avg', field: 'price' }, allowedLateness: 0 });
  h.processElement('i', { price: 2 }, 1);
  const snap = h.snapshot();
  h.processElement('i', { price: 4 }, 2);
  h.processWatermark(10);
  const restored = new OperatorHarness(h.step);
  restored.restore(snap);
  restored.processElement('i', { price: 10 }, 3);
  restored.processWatermark(10);
  assert.deepEqual(
    h.outputs.map((o) => (o.value as WindowResult<number>).value),
    [3],
  );
  assert.deepEqual(
    restored.outputs.map((o) => (o.value as WindowResult<number>).value),
    [6],
  );
});

test('sliding windows on random input, with gaps and disorder, equal the windows computed one by one', () => {
  const [size, slide] = [12, 3];
  for (const seed of [1, 2, 3, 4]) {
    const next = mulberry32(seed);
    const h = countWindows({ type: 'sliding', size, slide });
    // By definition: a record counts in every window [s, s + size) holding it that has not fired (end - 1 > watermark
    // when it arrives); a window with records fires once the watermark reaches end - 1.
    const expected = new Map<string, number>();
    let watermark = -1;
    h.processWatermark(watermark);
    let late = 0;
    for (let i = 0; i < 400; i++) {
      if (next() < 0.15) {
        watermark += Math.floor(next() * 8);
        h.processWatermark(watermark);
        continue;
      }
      const key = `k${Math.floor(next() * 4)}`;
      // Bursts and silences per key (gaps longer than a window), some records behind the watermark.
      const ts = watermark + Math.floor(next() * 30) - 6 + (next() < 0.1 ? 40 : 0);
      h.processElement(key, {}, ts);
      let counted = false;
      for (let start = ts - (((ts % slide) + slide) % slide) - size + slide; start <= ts; start += slide) {
        if (start + size - 1 <= watermark) continue;
        counted = true;
        const id = `${key} ${start}`;
        expected.set(id, (expected.get(id) ?? 0) + 1);
      }
      if (!counted) late++;
    }
    h.processWatermark(Number.MAX_SAFE_INTEGER);
    const got = results(h)
      .map(([key, start, end, value]) => `${key} ${start} ${end} ${value}`)
      .sort();
    const want = [...expected].map(([id, n]) => `${id} ${Number(id.split(' ')[1]) + size} ${n}`).sort();
    assert.deepEqual(got, want, `seed ${seed}`);
    assert.equal(h.sideOutput('late').length, late, `seed ${seed}: late records`);
    assert.equal(h.pendingTimers(), 0, `seed ${seed}: no timer left`);
    assert.equal(h.stateEntries(), 0, `seed ${seed}: no pane left`);
  }
});
