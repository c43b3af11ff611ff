/**
 * The executor runtime through kill -9: the generator job (4 partitions, records crossing between executors) is
 * killed with SIGKILL at random moments mid-run (see killedExecutorsEndAsTheSlotRuntime), wherever the executors
 * are (reading, exchanging, applying, committing), and restarted each time with the next of 2, 3, 1 executors
 * (rescaling); it ends with the final state, the output ids and payloads and the dead letters of an uninterrupted
 * run of the slot runtime. (executors-rescale-crash.test.ts: another seed, with 4, 1, 2 executors.)
 */
import { test } from 'node:test';
import { killedExecutorsEndAsTheSlotRuntime } from '../harness/executor-runs.js';

test('executors: kill -9 mid-run, restarted with 2, 3, 1 executors in turn: same state, ids and payloads (seed 31)', {
  timeout: 560_000,
}, async (t) => {
  t.diagnostic(await killedExecutorsEndAsTheSlotRuntime(31, 200_000, [2, 3, 1]));
});
