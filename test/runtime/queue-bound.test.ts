/**
 * The queue bound (`maxQueued`) holds when a keyed stage forwards more records than it applies: a generated backlog
 * (4 partitions, so main-thread intake holds records in the source order, and worker intake claims ranges) runs
 * through a stage that forwards three records per record into a second keyed stage. The most records the job ever
 * held (its own peak count, and the queue sampled from its status every few ms) stays within the bound plus about
 * one batch, and every record is applied exactly once (each experiment counts one record per event).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { openState } from '../../src/state/backend.js';
import type { JobGraph } from '../../src/graph/model.js';
import type { IntakePlacement } from '../../src/graph/runtime-settings.js';

const fixture = fileURLToPath(new URL('./fixtures/fan-out-job.js', import.meta.url));
const EVENTS = 20_000;
const MAX_QUEUED = 2_000;
const MAX_RECORDS = 128;
/** Three records forwarded per record applied. */
const FAN_OUT = 3;

process.env.FW_FAN_OUT_COUNT = String(EVENTS);
const { fanOutJob, EXPERIMENTS } = (await import('./fixtures/fan-out-job.js')) as { fanOutJob: JobGraph; EXPERIMENTS: string[] };

/** Per experiment, the records its key counted. */
function countsByExperiment(stateDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { key, value } of openState(stateDir).state.getRange({ start: ['counts'], end: ['counts\u0000'] })) {
    const [, , experiment, tag, name] = key as [string, number, string, string, string];
    if (tag === 'v' && name === 'records') out.set(experiment, (value as [number])[0]);
  }
  return out;
}

for (const intake of ['main', 'workers'] as IntakePlacement[]) {
  test(`${intake} intake: a stage forwarding three records per record keeps the queue within maxQueued plus a batch`, { timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-queue-bound-'));
    const runner = new JobRunner({
      job: moduleJobRef(fixture, 'fanOutJob'),
      graph: fanOutJob,
      stateDir: dir,
      workers: 2,
      slots: 4,
      intake,
      maxQueued: MAX_QUEUED,
      batch: { maxRecords: MAX_RECORDS, maxDelay: 5 },
      frontierInterval: 50,
    });
    const seen: number[] = [];
    const sampler = setInterval(() => runner.ready && seen.push(runner.status(1, 0).queued), 5);
    try {
      await runner.run();
      const status = runner.status(1, 0);
      const highest = Math.max(...seen);
      t.diagnostic(`peak ${status.peakQueued}, highest sample ${highest}, bound ${MAX_QUEUED}, ${status.pauses} pauses`);
      // About one batch beyond the bound: until a batch of the first stage has shown its fan-out, the queue fills
      // with its records counted once each, and they grow as they are applied. The scheduler then applies one of its
      // batches at a time between those of the second stage, each forwarding at most MAX_RECORDS * FAN_OUT records;
      // allowed: one such batch per worker thread (2). Measured: 2,256-2,448; before the bound counted forwards,
      // 4,552-5,558 (what was queued for the first stage, forwarded three times over).
      const allowed = MAX_QUEUED + 2 * MAX_RECORDS * FAN_OUT;
      assert.ok(status.pauses >= 3, `the sources were paused repeatedly (${status.pauses} times)`);
      assert.ok(status.peakQueued <= allowed, `peak ${status.peakQueued} records queued, bound ${MAX_QUEUED} (+ one batch: ${allowed})`);
      assert.ok(highest <= allowed, `highest sampled queue ${highest}, bound ${allowed}`);
      assert.ok(status.peakQueued >= MAX_QUEUED / 4, `the job did fill up (peak ${status.peakQueued}); otherwise the bound was never tested`);
      assert.deepEqual(countsByExperiment(dir), new Map(EXPERIMENTS.map((e) => [e, EVENTS])), 'every forwarded record applied exactly once');
    } finally {
      clearInterval(sampler);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
