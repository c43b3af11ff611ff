/**
 * The end of input: when the last source finishes, the job first settles at the watermark its records imply, then
 * goes to +Infinity. Every timer at or below that final watermark fires at a finite watermark, in any batching, and
 * the rest at the end of input; so an operator that stops scheduling follow-ups at the end of input gives the same
 * results however the input was batched (real worker threads, real LMDB).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearMemoryChannels, memoryOutput, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { endOfInput, END_OUT_OF_ORDERNESS, type FiredReport } from './fixtures/end-of-input-job.js';
import { makeEvents } from './fixtures/events.js';

const jobModule = fileURLToPath(new URL('./fixtures/end-of-input-job.js', import.meta.url));

async function run(input: ReturnType<typeof makeEvents>, maxRecords: number): Promise<FiredReport[]> {
  clearMemoryChannels();
  setMemoryInput('events', input);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-end-'));
  try {
    await new JobRunner({ job: moduleJobRef(jobModule, 'endOfInput'), graph: endOfInput, stateDir, workers: 2, slots: 4, batch: { maxRecords, maxDelay: 1 } }).run();
    return memoryOutput('out').map((r) => r.value as FiredReport);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

test('timers up to the final watermark fire at a finite watermark, the rest at the end of input, in any batching', async () => {
  const input = makeEvents({ seed: 4, count: 3000, users: 40, partitions: 2, skewed: false, disorder: END_OUT_OF_ORDERNESS });
  // The final watermark: per partition its greatest event time minus the out-of-orderness, then the least of them.
  const finalWatermark = Math.min(...input.map((p) => Math.max(...p.map((r) => (r.value as { ts: number }).ts)) - END_OUT_OF_ORDERNESS));
  const canonical = (reports: FiredReport[]) => reports.map((r) => `${r.hop}@${r.time}:${r.watermark === null ? 'end' : 'finite'}`).sort();
  let previous: string[] | null = null;
  for (const maxRecords of [8192, 7]) {
    const fired = await run(input, maxRecords);
    const early = fired.filter((r) => r.time <= finalWatermark);
    const late = fired.filter((r) => r.time > finalWatermark);
    assert.ok(early.length > 0 && late.length > 0, `timers on both sides of the final watermark (${early.length}, ${late.length})`);
    assert.deepEqual(early.filter((r) => r.watermark === null), [], 'no timer up to the final watermark waits for the end of input');
    assert.deepEqual(late.filter((r) => r.watermark !== null), [], 'timers after the final watermark fire at the end of input');
    if (previous) assert.deepEqual(canonical(fired), previous, 'the same timers, at the same kind of watermark, in both batchings');
    previous = canonical(fired);
  }
});
