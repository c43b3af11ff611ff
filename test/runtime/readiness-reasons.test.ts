/**
 * Readiness says what the job is doing, on /readyz and on the status line alike: not started, the part of start-up
 * under way, stopping (with what the stop waits for), finished. Before, each of these read "job is starting or
 * stopping" and a stopping job still said it was ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../src/runtime/runner.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { notReadyReasons, type RunningParts } from '../../src/runtime/run-status.js';
import { statusLine } from '../../src/runtime/status-line.js';
import { planGraph } from '../../src/graph/planner.js';
import { JobMetrics } from '../../src/runtime/metrics.js';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { latestJob } from '../query/fixtures/latest-job.js';

const modulePath = fileURLToPath(new URL('../query/fixtures/latest-job.js', import.meta.url));

test('a job not started yet, and one that has finished, say so on the status line and in readiness', async () => {
  clearMemoryChannels();
  setMemoryInput('events', [Array.from({ length: 10 }, (_, i) => ({ key: null, value: { user: `u${i % 2}`, ts: 1000 + i } }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-readiness-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(modulePath, 'latestJob'), graph: latestJob, stateDir, workers: 1, slots: 2 });
    assert.deepEqual(runner.notReadyReasons(), ['not started']);
    assert.match(statusLine(runner.status(1000, 0)), /\| NOT READY: not started$/);
    await runner.run();
    assert.deepEqual(runner.notReadyReasons(), ['finished: every source read to its end and applied']);
    assert.match(statusLine(runner.status(1000, 0)), /\| NOT READY: finished: every source read to its end and applied$/);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a job asked to stop is not ready, and says what the stop waits for', () => {
  const plan = planGraph(latestJob, 2);
  const parts: RunningParts = {
    ready: true,
    phase: 'running',
    stopping: true,
    startupWaits: new Map(),
    plan,
    metrics: new JobMetrics('latest'),
    watermark: -Infinity,
    sinks: new Map(),
    intakeInFlight: 3,
    stopTimeout: 10_000,
  };
  const expected =
    'stopping: waiting for 0 records in flight to commit, then at most 10 s for 0 outputs to be acknowledged; 3 queued records are not applied now and are read again at the next start';
  assert.deepEqual(notReadyReasons(parts), [expected]);
});
