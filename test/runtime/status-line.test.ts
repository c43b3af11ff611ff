/**
 * The status line counts what the job processed, not only what its sources read, and gives the clock lag only when
 * every source's event time follows the clock: generated or replayed data may start in any year, and the lag to the
 * clock (29,397,993 s on the experiments topology's generator) then says nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../src/runtime/runner.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import type { RunStatus } from '../../src/runtime/run-options.js';
import { statusFields, statusLine } from '../../src/runtime/status-line.js';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { latestJob } from '../query/fixtures/latest-job.js';

const modulePath = fileURLToPath(new URL('../query/fixtures/latest-job.js', import.meta.url));

test('records applied by the keyed stage are counted, and a source of old event times gets no clock lag', async () => {
  clearMemoryChannels();
  // Event times in 1970: a memory source does not follow the clock.
  setMemoryInput('events', [Array.from({ length: 40 }, (_, i) => ({ key: null, value: { user: `u${i % 4}`, ts: 1000 + i * 10 } }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-status-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(modulePath, 'latestJob'), graph: latestJob, stateDir, workers: 1, slots: 2 });
    await runner.run();
    // A second after a snapshot that had read all 40 and applied none: nothing more read, 40 applied.
    const s = runner.status(1000, 40, 0);
    assert.equal(s.recordsApplied, 40);
    assert.equal(s.clockLag, null);
    const line = statusLine(s);
    assert.match(line, /^read 0\/s \(40\) \| applied 40\/s \(40\) \|/);
    assert.doesNotMatch(line, /clock/);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a watermark of sources that follow the clock is shown with how far it trails it', () => {
  const status: RunStatus = {
    recordsRead: 12_000,
    recordsPerSecond: 2_000,
    recordsApplied: 11_500,
    appliedPerSecond: 1_900,
    watermark: Date.UTC(2026, 11, 7, 12, 0, 0),
    clockLag: 1_500,
    sourceLag: 20,
    queued: 500,
    peakQueued: 900,
    pauses: 0,
    outboxPending: 0,
    batches: 30,
    notReady: [],
  };
  assert.equal(
    statusLine(status),
    'read 2000/s (12.0k) | applied 1900/s (11.5k) | watermark 2026-12-07T12:00:00Z (1.5 s behind the clock) | source lag 20 | queued 500 | outbox 0',
  );
  // The log event carries the same figures as fields, the watermark as an ISO time.
  assert.deepEqual(statusFields(status), { event: 'status', ...status, watermark: '2026-12-07T12:00:00.000Z', endOfInput: false });
});
