/**
 * The executor runtime against the slot runtime on the same generator job (4 partitions, 2% malformed records, a
 * windowed count and a running count per user, 8 slots): with 1, 2 and 4 executors, so that records cross between
 * executors, the final state, the output ids and payloads and the dead letters equal the slot runtime's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSameRun, runGeneratorJob } from '../harness/executor-runs.js';

test('executors (1, 2, 4): same final state, outputs and dead letters as the slot runtime', { timeout: 300_000 }, async (t) => {
  const count = 100_000;
  const reference = mkdtempSync(join(tmpdir(), 'fw-executors-ref-'));
  try {
    await runGeneratorJob(reference, ['main'], count, null);
    for (const executors of [1, 2, 4]) {
      const dir = mkdtempSync(join(tmpdir(), `fw-executors-${executors}-`));
      try {
        assert.equal(await runGeneratorJob(dir, ['executors', String(executors)], count, null), 'finished');
        const { outputs } = assertSameRun(reference, dir, `${executors} executors`);
        t.diagnostic(`${executors} executors: ${outputs} outputs, state and dead letters equal`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(reference, { recursive: true, force: true });
  }
});
