/**
 * Runs of the generator test job (test/runtime/fixtures/run-generator-job.ts) in a child process, on the slot runtime
 * or on executors, and the comparison the executor tests make between two of its runs: the same final state, output
 * ids with the same payloads, and the same dead letters.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStateDir, runJobProcess } from './crash-harness.js';
import { mulberry32 } from '../runtime/fixtures/events.js';
import { assertSamePayloads, fileSinkDeliveries } from './output-payloads.js';

const entry = fileURLToPath(new URL('../runtime/fixtures/run-generator-job.js', import.meta.url));

/** `mode`: ['main'] or ['workers'] (slot runtime intake), or ['executors', N]. */
export const runGeneratorJob = (dir: string, mode: string[], count: number, killAfterMs: number | null, killWhen?: () => boolean) =>
  runJobProcess(entry, [join(dir, 'state'), ...mode], { FW_TEST_OUTPUT: join(dir, 'out.jsonl'), FW_TEST_COUNT: String(count) }, killAfterMs, killWhen);

export const outputIds = (dir: string): string[] => fileSinkDeliveries(join(dir, 'out.jsonl')).map((d) => d.id);

/** Bytes of the output file so far (0 before it exists): a progress measure cheap enough to poll. */
const outputBytes = (dir: string): number => statSync(join(dir, 'out.jsonl'), { throwIfNoEntry: false })?.size ?? 0;

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
 * Runs the job on the slot runtime once, then on executors killed with SIGKILL `kills` times and restarted each time
 * with the next of `executorCounts`, then run to its end, and asserts it ends as the uninterrupted run did. The first
 * kill lands at a random moment of start-up; each later one once the job has written a random 100 to 600 kB of
 * outputs (some 700 to 4,000 outputs) more than it had, and then a random 0-150 ms more: so it lands mid-run, wherever the executors are
 * (reading, exchanging, applying, committing), and every restart gets further. Returns what to report.
 */
export async function killedExecutorsEndAsTheSlotRuntime(seed: number, count: number, executorCounts: readonly number[], kills = 6): Promise<string> {
  const reference = mkdtempSync(join(tmpdir(), 'fw-executors-ref-'));
  const crashed = mkdtempSync(join(tmpdir(), 'fw-executors-crash-'));
  const rand = mulberry32(seed);
  const executorsAt = (start: number) => ['executors', String(executorCounts[start % executorCounts.length])];
  try {
    await runGeneratorJob(reference, ['main'], count, null);
    let landed = 0;
    assert.equal(await runGeneratorJob(crashed, executorsAt(0), count, Math.floor(200 + 800 * rand())), 'killed', 'the first kill lands during start-up');
    for (let start = 1; start <= kills; start++) {
      const wanted = outputBytes(crashed) + Math.floor(100_000 + 500_000 * rand());
      const extraMs = 150 * rand();
      let reachedAt = 0;
      const outcome = await runGeneratorJob(crashed, executorsAt(start), count, null, () => {
        if (reachedAt === 0 && outputBytes(crashed) >= wanted) reachedAt = Date.now();
        return reachedAt > 0 && Date.now() - reachedAt >= extraMs;
      });
      if (outcome === 'finished') break;
      landed++;
    }
    if ((await runGeneratorJob(crashed, executorsAt(kills + 1), count, null)) !== 'finished') throw new Error('the restarted job did not finish');
    assert.ok(landed >= 5, `${landed} kills landed mid-run; the test needs at least 5`);
    const { outputs, duplicated } = assertSameRun(reference, crashed, 'after the kills');
    return `seed ${seed}: ${landed + 1} kills (${landed} mid-run), ${outputs} outputs, ${duplicated} delivered more than once with the same payloads`;
  } finally {
    rmSync(reference, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
}
