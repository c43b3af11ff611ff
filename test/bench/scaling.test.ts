/**
 * The scaling and main-thread benchmarks measure what they say: the keyed count leaves in LMDB exactly the count per
 * key that a plain Map gives over the same synthetic events (real worker threads, real LMDB); keyBy-then-drop hands
 * every event to the workers and delivers nothing; the source's partitions hold exactly the plain iterator's events;
 * the main thread's CPU reading grows with work done on the main thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import type { IntakePlacement } from '../../src/graph/runtime-settings.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { openStateReadOnly } from '../../src/state/backend.js';
import { LmdbStateReader } from '../../src/state/lmdb-reader.js';
import type { JobGraph } from '../../src/graph/model.js';
import { outputsOf } from '../../bench/job-figures.js';
import { mainThreadCpuSeconds } from '../../bench/thread-cpu.js';
import { syntheticKeyedEvents, syntheticKeysSourceType, type KeyedEvent } from '../../bench/scaling/synthetic-keys.js';

const KEYS = 700;
const EVENTS = 5_000;
process.env.SCALING_SOURCE = JSON.stringify({ keys: KEYS, count: EVENTS, partitions: 4 });
const jobs = (await import('../../bench/scaling/keyed-jobs.js')) as unknown as Record<string, JobGraph>;
const jobsModule = fileURLToPath(new URL('../../bench/scaling/keyed-jobs.js', import.meta.url));

async function run(name: string, check: (runner: JobRunner, stateDir: string) => Promise<void>, intake: IntakePlacement = 'main'): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-scaling-test-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(jobsModule, name), graph: jobs[name]!, stateDir, workers: 2, slots: 8, intake });
    await runner.run();
    await check(runner, stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

for (const intake of ['main', 'workers'] as const) {
  const where = intake === 'main' ? 'main thread' : 'worker threads';
  test(`keyed count, source read on the ${where}: the count per key in LMDB equals a Map count over the same events`, async () => {
    const expected = new Map<number, number>();
    for (const e of syntheticKeyedEvents(KEYS, EVENTS)) expected.set(e.key, (expected.get(e.key) ?? 0) + 1);
    assert.equal(expected.size, KEYS, 'the permutation visits every key');
    await run(
      'keyedCount',
      async (runner, stateDir) => {
        const handle = openStateReadOnly(stateDir);
        try {
          const reader = new LmdbStateReader(handle, runner.plan.keyGroups, () => Infinity);
          for (const [key, count] of expected) assert.equal(reader.value<number>('count', String(key), 'count'), count, `key ${key}`);
        } finally {
          await handle.env.close();
        }
      },
      intake,
    );
  });

  test(`keyBy then drop, source read on the ${where}: every event reaches the workers, nothing is delivered`, async () => {
    await run(
      'dropAfterKeyBy',
      async (runner) => {
        assert.equal(await outputsOf(runner, 'drop'), EVENTS);
        assert.equal(await outputsOf(runner), 0);
      },
      intake,
    );
  });
}

test("the synthetic-keys source holds the plain iterator's events over its partitions", async () => {
  const source = syntheticKeysSourceType.create({ keys: KEYS, count: EVENTS, partitions: 3, rate: 0 }, { jobName: 't', baseDir: '.', stepId: 'events' });
  await source.open({ startOffsets: new Map() });
  const got: KeyedEvent[] = [];
  while (!source.finished()) for (const r of await source.poll(1000)) got.push(r.value as KeyedEvent);
  const canonical = (es: KeyedEvent[]) => es.map((e) => `${e.ts}/${e.key}`).sort();
  assert.deepEqual(canonical(got), canonical([...syntheticKeyedEvents(KEYS, EVENTS)]));
});

test('main-thread CPU grows by the CPU time the main thread spends busy', () => {
  // Spin until the process has used 300 ms of CPU (wall time would depend on the machine's load): the main thread,
  // the only one busy meanwhile, must account for about all of it (thread CPU is counted in 10 ms ticks).
  const before = mainThreadCpuSeconds();
  const cpu0 = process.cpuUsage();
  let used = 0;
  while (used < 0.3) {
    const d = process.cpuUsage(cpu0);
    used = (d.user + d.system) / 1e6;
  }
  const spent = mainThreadCpuSeconds() - before;
  assert.ok(spent >= 0.25 && spent <= used + 0.02, `main thread ${spent} s of ${used} s process CPU`);
});
