/**
 * Runs of the generator test job (test/runtime/fixtures/run-generator-job.ts) in a child process, on the slot runtime
 * or on executors, and the comparison the executor tests make between two of its runs: the same final state, output
 * ids with the same payloads, and the same dead letters.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from './crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries } from './output-payloads.js';

const entry = fileURLToPath(new URL('../runtime/fixtures/run-generator-job.js', import.meta.url));

/** `mode`: ['main'] or ['workers'] (slot runtime intake), or ['executors', N]. */
export const runGeneratorJob = (dir: string, mode: string[], count: number, killAfterMs: number | null) =>
  runJobProcess(entry, [join(dir, 'state'), ...mode], { FW_TEST_OUTPUT: join(dir, 'out.jsonl'), FW_TEST_COUNT: String(count) }, killAfterMs);

export const outputIds = (dir: string): string[] => fileSinkDeliveries(join(dir, 'out.jsonl')).map((d) => d.id);

/** A source's dead letter carries the wall-clock time it was found, which a replay does not repeat. */
const withoutTime = (file: string) => fileSinkDeliveries(file).map(({ id, payload }) => ({ id, payload: { ...(payload as object), timestamp: undefined } }));

/** Asserts that the run in `dir` ended as the one in `reference`; returns how many outputs, and how many came twice. */
export function assertSameRun(reference: string, dir: string, label: string): { outputs: number; duplicated: number } {
  assert.deepEqual(readStateDir(join(dir, 'state')), readStateDir(join(reference, 'state')), `${label}: final state equals the reference run's`);
  const expected = new Set(outputIds(reference));
  const got = new Set(outputIds(dir));
  assert.ok(expected.size > 1000, `the job wrote ${expected.size} window results`);
  assert.deepEqual(
    [...expected].filter((id) => !got.has(id)),
    [],
    `${label}: no output id is missing`,
  );
  assert.deepEqual(
    [...got].filter((id) => !expected.has(id)),
    [],
    `${label}: no output id the reference run lacks`,
  );
  const outputs = assertSamePayloads(fileSinkDeliveries(join(reference, 'out.jsonl')), fileSinkDeliveries(join(dir, 'out.jsonl')), `${label} outputs`);
  const dlq = (d: string) => join(d, 'out.jsonl.dlq');
  assert.deepEqual(
    new Set(fileSinkDeliveries(dlq(dir)).map((d) => d.id)),
    new Set(fileSinkDeliveries(dlq(reference)).map((d) => d.id)),
    `${label}: the same dead letters`,
  );
  assertSamePayloads(withoutTime(dlq(reference)), withoutTime(dlq(dir)), `${label} dead letters`);
  return { outputs: expected.size, duplicated: outputs.duplicatedIds };
}

/**
 * Runs the job on the slot runtime once, then on executors killed with SIGKILL at random moments (at least 5 kills
 * that land after it made progress), restarted each time with the next of `executorCounts`, and asserts it ends as the
 * uninterrupted run did. Returns what to report.
 */
export async function killedExecutorsEndAsTheSlotRuntime(seed: number, count: number, executorCounts: readonly number[]): Promise<string> {
  const reference = mkdtempSync(join(tmpdir(), 'fw-executors-ref-'));
  const crashed = mkdtempSync(join(tmpdir(), 'fw-executors-crash-'));
  const startOver = () => {
    for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(crashed, f), { recursive: true, force: true });
  };
  try {
    await runGeneratorJob(reference, ['main'], count, null);
    const cleanMs = await timedRun((ms) => runGeneratorJob(crashed, ['executors', String(executorCounts[0])], count, ms));
    startOver();
    let starts = 0;
    const kills = await killWhileRunning(
      (ms) => runGeneratorJob(crashed, ['executors', String(executorCounts[starts++ % executorCounts.length])], count, ms),
      () => outputIds(crashed).length,
      seed,
      cleanMs,
      startOver,
    );
    assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
    const { outputs, duplicated } = assertSameRun(reference, crashed, 'after the kills');
    return `seed ${seed}: ${kills} kills, ${starts} starts, ${outputs} outputs, ${duplicated} delivered more than once with the same payloads`;
  } finally {
    rmSync(reference, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
}
