/**
 * Worker intake (the source read, and stage 0 run, by the worker threads): a generator job gives the same final
 * state, the same output ids and the same dead letters as the same job reading on the main thread, and still does
 * when it is killed with SIGKILL at random moments and restarted on the same state directory each time: each output
 * and dead letter carries, under its id, the payload (key, timestamp, value) that main-thread intake wrote under it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../harness/crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries } from '../harness/output-payloads.js';

const entry = fileURLToPath(new URL('./fixtures/run-generator-job.js', import.meta.url));
const COUNT = 500_000;

const runJob = (dir: string, intake: 'main' | 'workers', killAfterMs: number | null) =>
  runJobProcess(entry, [join(dir, 'state'), intake], { FW_TEST_OUTPUT: join(dir, 'out.jsonl'), FW_TEST_COUNT: String(COUNT) }, killAfterMs);

/** Ids of the complete lines of a file sink's output. */
const ids = (file: string): string[] => fileSinkDeliveries(file).map((d) => d.id);

test('worker intake: same final state, outputs and dead letters as main-thread intake, through kill -9 and restarts', { timeout: 240_000 }, async (t) => {
  const main = mkdtempSync(join(tmpdir(), 'fw-intake-main-'));
  const workers = mkdtempSync(join(tmpdir(), 'fw-intake-workers-'));
  try {
    const cleanMs = await timedRun((ms) => runJob(main, 'main', ms));
    const startOver = () => {
      for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(workers, f), { recursive: true, force: true });
    };
    const kills = await killWhileRunning(
      (ms) => runJob(workers, 'workers', ms),
      () => ids(join(workers, 'out.jsonl')).length,
      21,
      cleanMs,
      startOver,
    );
    assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
    assert.deepEqual(readStateDir(join(workers, 'state')), readStateDir(join(main, 'state')), 'final state equals that of main-thread intake');
    const expected = new Set(ids(join(main, 'out.jsonl')));
    const got = new Set(ids(join(workers, 'out.jsonl')));
    assert.ok(expected.size > 1000, `the job wrote ${expected.size} window results`);
    assert.deepEqual(
      [...expected].filter((id) => !got.has(id)),
      [],
      'no output id is missing',
    );
    assert.deepEqual(
      [...got].filter((id) => !expected.has(id)),
      [],
      'no output id that main-thread intake lacks',
    );
    const deadMain = new Set(ids(join(main, 'out.jsonl.dlq')));
    // 2% of the records are malformed in one of six ways, of which at least the undecodable ones (a sixth) and those
    // without an event time are dead letters; the others are readable or filtered out.
    assert.ok(deadMain.size > (0.02 / 6) * COUNT, `${deadMain.size} dead letters`);
    assert.deepEqual(new Set(ids(join(workers, 'out.jsonl.dlq'))), deadMain, 'the same records went to the dead letters');
    const outputs = assertSamePayloads(fileSinkDeliveries(join(main, 'out.jsonl')), fileSinkDeliveries(join(workers, 'out.jsonl')), 'outputs');
    // A source's dead letter is stamped with the wall-clock time it was found, which a replay does not repeat: its
    // key, value (reason, source position, record) and headers are what must agree.
    const withoutTime = (file: string) =>
      fileSinkDeliveries(file).map(({ id, payload }) => ({ id, payload: { ...(payload as object), timestamp: undefined } }));
    const deadLetters = assertSamePayloads(withoutTime(join(main, 'out.jsonl.dlq')), withoutTime(join(workers, 'out.jsonl.dlq')), 'dead letters');
    t.diagnostic(
      `${kills} kills, ${expected.size} outputs, ${deadMain.size} dead letters; ${outputs.duplicatedIds} outputs and ${deadLetters.duplicatedIds} dead letters delivered more than once, all with the same payloads`,
    );
  } finally {
    rmSync(main, { recursive: true, force: true });
    rmSync(workers, { recursive: true, force: true });
  }
});
