/**
 * Worker intake (the source read, and stage 0 run, by the worker threads): a generator job gives the same final
 * state, the same output ids and the same dead letters as the same job reading on the main thread, and still does
 * when it is killed with SIGKILL at random moments and restarted on the same state directory each time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../harness/crash-harness.js';

const entry = fileURLToPath(new URL('./fixtures/run-generator-job.js', import.meta.url));
const COUNT = 500_000;

const runJob = (dir: string, intake: 'main' | 'workers', killAfterMs: number | null) =>
  runJobProcess(entry, [join(dir, 'state'), intake], { FW_TEST_OUTPUT: join(dir, 'out.jsonl'), FW_TEST_COUNT: String(COUNT) }, killAfterMs);

/** Ids of the complete lines of a JSON-lines output (after a kill the last line may be torn). */
function ids(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
}

test('worker intake: same final state, outputs and dead letters as main-thread intake, through kill -9 and restarts', { timeout: 240_000 }, async (t) => {
  const main = mkdtempSync(join(tmpdir(), 'fw-intake-main-'));
  const workers = mkdtempSync(join(tmpdir(), 'fw-intake-workers-'));
  try {
    const cleanMs = await timedRun((ms) => runJob(main, 'main', ms));
    const startOver = () => {
      for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(workers, f), { recursive: true, force: true });
    };
    const kills = await killWhileRunning((ms) => runJob(workers, 'workers', ms), () => ids(join(workers, 'out.jsonl')).length, 21, cleanMs, startOver);
    assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
    assert.deepEqual(readStateDir(join(workers, 'state')), readStateDir(join(main, 'state')), 'final state equals that of main-thread intake');
    const expected = new Set(ids(join(main, 'out.jsonl')));
    const got = new Set(ids(join(workers, 'out.jsonl')));
    assert.ok(expected.size > 1000, `the job wrote ${expected.size} window results`);
    assert.deepEqual([...expected].filter((id) => !got.has(id)), [], 'no output id is missing');
    assert.deepEqual([...got].filter((id) => !expected.has(id)), [], 'no output id that main-thread intake lacks');
    const deadMain = new Set(ids(join(main, 'out.jsonl.dlq')));
    // 2% of the records are malformed in one of six ways, of which at least the undecodable ones (a sixth) and those
    // without an event time are dead letters; the others are readable or filtered out.
    assert.ok(deadMain.size > (0.02 / 6) * COUNT, `${deadMain.size} dead letters`);
    assert.deepEqual(new Set(ids(join(workers, 'out.jsonl.dlq'))), deadMain, 'the same records went to the dead letters');
    t.diagnostic(`${kills} kills, ${expected.size} outputs, ${deadMain.size} dead letters`);
  } finally {
    rmSync(main, { recursive: true, force: true });
    rmSync(workers, { recursive: true, force: true });
  }
});
