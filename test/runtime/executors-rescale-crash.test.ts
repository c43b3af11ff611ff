/**
 * The executor runtime through kill -9, a second seed: killed at random moments and restarted with the next of 4, 1,
 * 2 executors, the generator job ends with the uninterrupted slot runtime's state, output ids and payloads and dead
 * letters (see executors-crash.test.ts).
 */
import { test } from 'node:test';
import { killedExecutorsEndAsTheSlotRuntime } from '../harness/executor-runs.js';

test('executors: kill -9 mid-run, restarted with 4, 1, 2 executors in turn: same state, ids and payloads (seed 32)', {
  timeout: 560_000,
}, async (t) => {
  t.diagnostic(await killedExecutorsEndAsTheSlotRuntime(32, 200_000, [4, 1, 2]));
});
