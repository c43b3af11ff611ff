/**
 * Crash recovery: a file-sourced job is killed with SIGKILL at random moments (several times, several seeds),
 * restarted on the same state directory each time, and finally run to completion. Its final state (every LMDB state
 * entry) and the set of output ids must equal those of a run that was never interrupted; duplicates of an output id
 * are allowed (at-least-once delivery) and counted, but no id may be missing. Every delivery carries the payload
 * (key, timestamp, value) that the uninterrupted run wrote under its id, duplicates included. With pinned slots, which
 * apply several batches between two commits, the kills also land between a slot's batches and its commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEvents } from './fixtures/events.js';
import { OUT_OF_ORDERNESS } from './fixtures/jobs.js';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../harness/crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries, type Delivery } from '../harness/output-payloads.js';

const entry = fileURLToPath(new URL('./fixtures/run-file-job.js', import.meta.url));

const runJob = (dir: string, placement: string, workers: number, killAfterMs: number | null) =>
  runJobProcess(
    entry,
    [join(dir, 'state'), String(workers), placement],
    { FW_TEST_INPUT: join(dir, 'events.jsonl'), FW_TEST_OUTPUT: join(dir, 'out.jsonl') },
    killAfterMs,
  );

const readState = (dir: string) => readStateDir(join(dir, 'state'));

const outputs = (dir: string): Delivery[] => fileSinkDeliveries(join(dir, 'out.jsonl'));

function prepare(seed: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-crash-'));
  const [events] = makeEvents({ seed, count: 150_000, users: 500, partitions: 1, skewed: seed % 2 === 0, disorder: OUT_OF_ORDERNESS });
  writeFileSync(join(dir, 'events.jsonl'), events!.map((r) => JSON.stringify(r.value)).join('\n') + '\n');
  return dir;
}

/**
 * Per case, the worker threads of each start in turn: a job restarted with another number of threads (a pinned slot
 * then lands on another thread) must still give the uninterrupted run's state and ids (rescaling).
 */
const cases = [
  { seed: 11, placement: 'any', workers: [2] },
  { seed: 12, placement: 'any', workers: [2] },
  { seed: 13, placement: 'pinned', workers: [2] },
  { seed: 14, placement: 'pinned', workers: [2] },
  { seed: 15, placement: 'pinned', workers: [2, 3, 1] },
] as const;

for (const { seed, placement, workers } of cases) {
  const threads = workers.length > 1 ? `, restarted with ${workers.join(', ')}, ... worker threads in turn` : '';
  test(`kill -9 at random moments, restart: same final state, output ids and payloads as an uninterrupted run (seed ${seed}, ${placement} slots${threads})`, {
    timeout: 480_000,
  }, async (t) => {
    const clean = prepare(seed);
    const crashed = prepare(seed);
    let starts = 0;
    try {
      const cleanMs = await timedRun((ms) => runJob(clean, placement, 2, ms));
      const startOver = () => {
        for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(crashed, f), { recursive: true, force: true });
      };
      const kills = await killWhileRunning(
        (ms) => runJob(crashed, placement, workers[starts++ % workers.length]!, ms),
        () => outputs(crashed).length,
        seed,
        cleanMs,
        startOver,
      );
      assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
      assert.deepEqual(readState(crashed), readState(clean), 'final state equals the uninterrupted run');
      const cleanOutputs = outputs(clean);
      const crashedOutputs = outputs(crashed);
      const expected = new Set(cleanOutputs.map((d) => d.id));
      const got = crashedOutputs.map((d) => d.id);
      const gotSet = new Set(got);
      assert.equal(cleanOutputs.length, expected.size, 'an uninterrupted run writes each id once');
      assert.deepEqual(
        [...expected].filter((id) => !gotSet.has(id)),
        [],
        'no output id is missing',
      );
      assert.deepEqual(
        [...gotSet].filter((id) => !expected.has(id)),
        [],
        'no output id that the clean run lacks',
      );
      const { duplicatedIds } = assertSamePayloads(cleanOutputs, crashedOutputs, `seed ${seed}`);
      const duplicates = got.length - gotSet.size;
      t.diagnostic(
        `seed ${seed}: ${kills} kills, ${starts} starts, ${expected.size} outputs, ${duplicates} duplicate deliveries of ${duplicatedIds} ids (at-least-once), every payload equal to the uninterrupted run's`,
      );
    } finally {
      rmSync(clean, { recursive: true, force: true });
      rmSync(crashed, { recursive: true, force: true });
    }
  });
}
