/**
 * The bounded call runner on its own (pure logic, calls simulated by promises the test settles): never more than
 * `capacity` calls in flight, ordered hand-on in input order whatever the completion order, unordered hand-on in
 * completion order, and after a hand-on throws no further call starts and late outcomes are dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBounded } from '../../src/operators/async-calls.js';

/** Calls that complete when the test says, recording what is in flight. */
function controlledCalls() {
  const pending = new Map<number, (v: string) => void>();
  const started: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let waiter: (() => void) | null = null;
  const call = (item: number, stop: AbortSignal) =>
    new Promise<string>((resolve) => {
      started.push(item);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      stop.addEventListener('abort', () => resolve('aborted'));
      pending.set(item, (v) => {
        inFlight--;
        resolve(v);
      });
      waiter?.();
    });
  /** Resolves once `item` has started (it may already have). */
  const whenStarted = (item: number) => (started.includes(item) ? Promise.resolve() : new Promise<void>((r) => (waiter = () => started.includes(item) && r())));
  return {
    call,
    pending,
    started,
    get maxInFlight() {
      return maxInFlight;
    },
    whenStarted,
  };
}

test('ordered: outcomes handed on in input order, at most capacity in flight', async () => {
  const c = controlledCalls();
  const handed: number[] = [];
  const done = runBounded([0, 1, 2, 3, 4, 5], 3, true, c.call, (item) => handed.push(item));
  await c.whenStarted(2);
  assert.deepEqual(c.started, [0, 1, 2]);
  c.pending.get(2)!('x');
  await c.whenStarted(3);
  assert.deepEqual(handed, [], 'item 2 waits for 0 and 1');
  c.pending.get(1)!('x');
  c.pending.get(0)!('x');
  await c.whenStarted(5);
  assert.deepEqual(handed, [0, 1, 2]);
  for (const i of [5, 4, 3]) c.pending.get(i)!('x');
  await done;
  assert.deepEqual(handed, [0, 1, 2, 3, 4, 5]);
  assert.equal(c.maxInFlight, 3);
});

test('unordered: outcomes handed on as they complete', async () => {
  const c = controlledCalls();
  const handed: number[] = [];
  const done = runBounded([0, 1, 2], 3, false, c.call, (item) => handed.push(item));
  await c.whenStarted(2);
  for (const i of [2, 0, 1]) c.pending.get(i)!('x');
  await done;
  assert.deepEqual(handed, [2, 0, 1]);
});

test('a hand-on that throws stops new calls, aborts those in flight and drops their outcomes', async () => {
  const c = controlledCalls();
  const handed: number[] = [];
  const done = runBounded([0, 1, 2, 3, 4], 2, false, c.call, (item) => {
    if (item === 0) throw new Error('policy fail');
    handed.push(item);
  });
  await c.whenStarted(1);
  c.pending.get(0)!('x');
  await assert.rejects(done, /policy fail/);
  assert.deepEqual(c.started, [0, 1], 'no call started after the failure');
  assert.deepEqual(handed, [], "the aborted call's outcome is not handed on");
});
