/**
 * Crash recovery: a file-sourced job is killed with SIGKILL at random moments (several times, several seeds),
 * restarted on the same state directory each time, and finally run to completion. Its final state (every LMDB state
 * entry) and the set of output ids must equal those of a run that was never interrupted; duplicates of an output id
 * are allowed (at-least-once delivery) and counted, but no id may be missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEvents } from './fixtures/events.js';
import { OUT_OF_ORDERNESS } from './fixtures/jobs.js';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../harness/crash-harness.js';

const entry = fileURLToPath(new URL('./fixtures/run-file-job.js', import.meta.url));

const runJob = (dir: string, killAfterMs: number | null) =>
  runJobProcess(entry, [join(dir, 'state'), '2'], { FW_TEST_INPUT: join(dir, 'events.jsonl'), FW_TEST_OUTPUT: join(dir, 'out.jsonl') }, killAfterMs);

const readState = (dir: string) => readStateDir(join(dir, 'state'));

function outputIds(dir: string): string[] {
  const file = join(dir, 'out.jsonl');
  if (!existsSync(file)) return [];
  // After a kill the last line may be torn (the sink cuts it off when the job starts again): read complete lines only.
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
}

function prepare(seed: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-crash-'));
  const [events] = makeEvents({ seed, count: 150_000, users: 500, partitions: 1, skewed: seed % 2 === 0, disorder: OUT_OF_ORDERNESS });
  writeFileSync(join(dir, 'events.jsonl'), events!.map((r) => JSON.stringify(r.value)).join('\n') + '\n');
  return dir;
}

for (const seed of [11, 12]) {
  test(`kill -9 at random moments, restart: same final state and output ids as an uninterrupted run (seed ${seed})`, { timeout: 240_000 }, async (t) => {
    const clean = prepare(seed);
    const crashed = prepare(seed);
    try {
      const cleanMs = await timedRun((ms) => runJob(clean, ms));
      const startOver = () => {
        for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(crashed, f), { recursive: true, force: true });
      };
      const kills = await killWhileRunning((ms) => runJob(crashed, ms), () => outputIds(crashed).length, seed, cleanMs, startOver);
      assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
      assert.deepEqual(readState(crashed), readState(clean), 'final state equals the uninterrupted run');
      const expected = new Set(outputIds(clean));
      const got = outputIds(crashed);
      const gotSet = new Set(got);
      assert.equal(outputIds(clean).length, expected.size, 'an uninterrupted run writes each id once');
      assert.deepEqual([...expected].filter((id) => !gotSet.has(id)), [], 'no output id is missing');
      assert.deepEqual([...gotSet].filter((id) => !expected.has(id)), [], 'no output id that the clean run lacks');
      const duplicates = got.length - gotSet.size;
      t.diagnostic(`seed ${seed}: ${kills} kills, ${expected.size} outputs, ${duplicates} duplicate deliveries (at-least-once)`);
    } finally {
      rmSync(clean, { recursive: true, force: true });
      rmSync(crashed, { recursive: true, force: true });
    }
  });
}
