/**
 * The executor runtime through kill -9: the generator job (4 partitions, records crossing between executors) is
 * killed with SIGKILL at random moments, including while records are between executors and while executors commit,
 * and restarted each time with another number of executors (2, 3, 1: rescaling); it ends with the final state, the
 * output ids and payloads and the dead letters of an uninterrupted run of the slot runtime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killWhileRunning, timedRun } from '../harness/crash-harness.js';
import { assertSameRun, outputIds, runGeneratorJob } from '../harness/executor-runs.js';

const COUNT = 200_000;

for (const seed of [31, 32]) {
  test(`executors: kill -9 at random moments, restarted with 2, 3, 1 executors in turn: same state, ids and payloads (seed ${seed})`, {
    timeout: 280_000,
  }, async (t) => {
    const reference = mkdtempSync(join(tmpdir(), 'fw-executors-ref-'));
    const crashed = mkdtempSync(join(tmpdir(), 'fw-executors-crash-'));
    const startOver = () => {
      for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(crashed, f), { recursive: true, force: true });
    };
    try {
      await runGeneratorJob(reference, ['main'], COUNT, null);
      const cleanMs = await timedRun((ms) => runGeneratorJob(crashed, ['executors', '2'], COUNT, ms));
      startOver();
      const counts = [2, 3, 1];
      let starts = 0;
      const kills = await killWhileRunning(
        (ms) => runGeneratorJob(crashed, ['executors', String(counts[starts++ % counts.length])], COUNT, ms),
        () => outputIds(crashed).length,
        seed,
        cleanMs,
        startOver,
      );
      assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
      const { outputs, duplicated } = assertSameRun(reference, crashed, 'after the kills');
      t.diagnostic(`seed ${seed}: ${kills} kills, ${starts} starts, ${outputs} outputs, ${duplicated} delivered more than once with the same payloads`);
    } finally {
      rmSync(reference, { recursive: true, force: true });
      rmSync(crashed, { recursive: true, force: true });
    }
  });
}
