/**
 * Correctness of the benchmarked Nexmark queries: on a small run, the output of each Flywheel job (real LMDB) equals
 * the output of the plain single-threaded baseline over the same generated events: on the slot runtime (2 worker
 * threads) with the source read (and stage 0 run) on the main thread and by the worker threads, and on the executor
 * runtime with 1, 2 and 4 executors (records of every query cross between executors).
 */
import { NEXMARK_TEST_OPTIONS as options } from './fixtures/nexmark-env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { clearMemoryChannels, memoryOutput } from '../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { ExecutorJob } from '../../src/runtime/executor-job.js';
import type { JobGraph } from '../../src/graph/model.js';
import { baselines } from '../../bench/nexmark/baseline.js';
import type { NexmarkEvent } from '../../bench/nexmark/model.js';

// 60,000 events at 5,000 events per second of event time span 12 s, so q5 (10 s windows every 2 s) and q7 (10 s
// windows) fire several windows, with 500 ms of disorder (within the 4 s watermark delay); q11's 10 s sessions of
// the hot bidder span the run, those of other bidders close within it.
const EVENTS = options.count;
const queriesModule = fileURLToPath(new URL('../../bench/nexmark/queries.js', import.meta.url));
const queries = (await import('../../bench/nexmark/queries.js')) as unknown as Record<string, JobGraph>;

const canonical = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();

function baselineOutput(query: string): unknown[] {
  const expected: unknown[] = [];
  baselines[query]!(nexmarkEvents({ ...options, count: EVENTS }) as Iterable<NexmarkEvent>, (v) => expected.push(v));
  assert.ok(expected.length > 0, 'the baseline produced output');
  return expected;
}

for (const query of ['q0', 'q1', 'q2', 'q3', 'q5', 'q7', 'q8', 'q11']) {
  for (const intake of ['main', 'workers'] as const) {
    test(`nexmark ${query}, source read on the ${intake === 'main' ? 'main thread' : 'worker threads'}: Flywheel output equals the baseline's`, async () => {
      const expected = baselineOutput(query);
      clearMemoryChannels();
      const stateDir = mkdtempSync(join(tmpdir(), 'fw-nexmark-'));
      try {
        await new JobRunner({ job: moduleJobRef(queriesModule, query), graph: queries[query]!, stateDir, workers: 2, slots: 8, intake }).run();
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
      const got = memoryOutput('nexmark-out').map((r) => r.value);
      assert.deepEqual(canonical(got), canonical(expected));
    });
  }
  test(`nexmark ${query} on 1, 2 and 4 executors: Flywheel output equals the baseline's`, async () => {
    const expected = canonical(baselineOutput(query));
    for (const executors of [1, 2, 4]) {
      clearMemoryChannels();
      const stateDir = mkdtempSync(join(tmpdir(), 'fw-nexmark-'));
      try {
        await new ExecutorJob({ job: moduleJobRef(queriesModule, query), graph: queries[query]!, stateDir, workers: executors, slots: 8 }).run();
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
      assert.deepEqual(canonical(memoryOutput('nexmark-out').map((r) => r.value)), expected, `${executors} executors`);
    }
  });
}
