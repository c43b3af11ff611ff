/**
 * Parity: the same job on 1, 2 and 4 worker threads, with slots any thread may run and slots pinned to threads
 * (which commit once per interval, not per batch), and a plain single-threaded reference implementation, give
 * identical results on the same input, for several seeds, with uniform and skewed keys, including a job with two
 * keyed stages (an internal repartition). Runs real worker threads and real LMDB files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../src/runtime/runner.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { clearMemoryChannels, memoryOutput, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import type { WindowResult } from '../../src/api/types.js';
import { twoStage, windowedTotals, OUT_OF_ORDERNESS, type Totals } from './fixtures/jobs.js';
import { makeEvents } from './fixtures/events.js';
import { referencePerWindowSums, referenceWindowedTotals } from './fixtures/reference.js';
import type { JobGraph } from '../../src/graph/model.js';

const jobsModule = fileURLToPath(new URL('./fixtures/jobs.js', import.meta.url));

async function runOnce(graph: JobGraph, exportName: string, workers: number, input: ReturnType<typeof makeEvents>, placement: 'any' | 'pinned' = 'any') {
  clearMemoryChannels();
  setMemoryInput('events', input);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-parity-'));
  try {
    const runner = new JobRunner({
      job: moduleJobRef(jobsModule, exportName),
      graph,
      stateDir,
      workers,
      slots: 8,
      placement,
      batch: { maxRecords: 512, maxDelay: 2 },
    });
    await runner.run();
    return [...memoryOutput('out')];
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

for (const skewed of [false, true]) {
  for (const seed of [1, 2, 3]) {
    test(`windowed totals: 1 worker = 2 workers = 4 pinned workers = reference (seed ${seed}, ${skewed ? 'skewed' : 'uniform'} keys)`, async () => {
      const input = makeEvents({ seed, count: 6000, users: 200, partitions: 3, skewed, disorder: OUT_OF_ORDERNESS });
      const one = await runOnce(windowedTotals, 'windowedTotals', 1, input);
      const two = await runOnce(windowedTotals, 'windowedTotals', 2, input);
      const four = await runOnce(windowedTotals, 'windowedTotals', 4, input, 'pinned');
      const asMap = (out: typeof one) =>
        new Map(
          out.map((r) => {
            const w = r.value as WindowResult<Totals>;
            return [`${w.key}|${w.start}`, w.value];
          }),
        );
      const expected = referenceWindowedTotals(input);
      assert.equal(one.length, expected.size, 'one result per (user, window)');
      assert.deepEqual(asMap(one), expected);
      assert.deepEqual(asMap(two), expected);
      assert.deepEqual(asMap(four), expected);
      assert.deepEqual(new Set(one.map((r) => r.id)), new Set(two.map((r) => r.id)), 'output ids do not depend on the thread count');
      assert.deepEqual(new Set(one.map((r) => r.id)), new Set(four.map((r) => r.id)), 'output ids do not depend on the placement');
    });
  }
}

test('two keyed stages (repartition by window): 1, 2 and 4 workers, any and pinned slots = reference', async () => {
  const input = makeEvents({ seed: 7, count: 8000, users: 300, partitions: 2, skewed: true, disorder: OUT_OF_ORDERNESS });
  const expected = referencePerWindowSums(input);
  for (const placement of ['any', 'pinned'] as const) {
    for (const workers of [1, 2, 4]) {
      const out = await runOnce(twoStage, 'twoStage', workers, input, placement);
      const got = new Map(
        out.map((r) => {
          const v = r.value as { windowStart: number; users: number; sum: number };
          return [v.windowStart, { users: v.users, sum: v.sum }];
        }),
      );
      assert.equal(out.length, expected.size, `${workers} worker(s), ${placement} slots: one result per window`);
      assert.deepEqual(got, expected);
    }
  }
});

test('slots pinned to threads (state cached between batches) give the same results as the reference', async () => {
  const input = makeEvents({ seed: 5, count: 6000, users: 150, partitions: 2, skewed: true, disorder: OUT_OF_ORDERNESS });
  const expected = referencePerWindowSums(input);
  const out = await runOnce(twoStage, 'twoStage', 2, input, 'pinned');
  const got = new Map(
    out.map((r) => {
      const v = r.value as { windowStart: number; users: number; sum: number };
      return [v.windowStart, { users: v.users, sum: v.sum }];
    }),
  );
  assert.deepEqual(got, expected);
});
