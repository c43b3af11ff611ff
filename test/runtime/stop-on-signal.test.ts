/**
 * Ctrl-C on `flywheel run`: the job says what it waits for and stops within its stopTimeout, without applying the
 * records still queued (they are read again at the next start). A keyed step that costs 0.5 ms per record behind a
 * file read at once keeps some 20,000 records queued; draining them would take about 10 s, the stopTimeout is 4 s.
 * A second run finishes the file: every record applied exactly once across the stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, runCli } from '../harness/cli-run.js';
import { expectedTotals, writeRunningTotalJob, type RunningEvent } from '../harness/running-total-job.js';
import { runningTotals } from '../connectors/kafka/job-observer.js';
import { closeState } from '../../src/state/backend.js';
import { logEvents } from '../harness/log-events.js';

const RECORDS = 20_000;
const STOP_TIMEOUT_MS = 4_000;

// The harness's running total, slowed to 0.5 ms per record.
const slowProcessor = `export const runningTotal = {
  onRecord(event, ctx) {
    const until = performance.now() + 0.5;
    while (performance.now() < until);
    const s = ctx.state('running');
    const prev = s.get() ?? { count: 0, sum: 0 };
    s.set({ count: prev.count + 1, sum: prev.sum + event.amount });
  },
};
`;

test('SIGINT: the job says what it waits for and stops within stopTimeout; a restart applies the rest once', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-stop-'));
  const state = join(dir, 'state');
  try {
    const events: RunningEvent[] = Array.from({ length: RECORDS }, (_, i) => ({ user: `u${i % 50}`, ts: 1_000 + i, amount: i % 7 }));
    const file = writeRunningTotalJob(dir, events, state, {
      processor: slowProcessor,
      runtime: `statusInterval: 200ms, stopTimeout: ${STOP_TIMEOUT_MS}ms, workerNiceness: 0`,
    });
    const child = spawn(process.execPath, [cli, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Signalled once a status line shows the whole file read, records applied and records still queued: the worker
    // has started. Its first batch includes building the job in the worker thread, and a stop waits for the batches
    // in flight to commit before its stopTimeout starts. The worker runs at niceness 0: at the default 10, on a
    // machine loaded by other work (load average 10 on 2 cores), a batch of 512 records took 5 s instead of 0.3.
    let signalledAt = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (signalledAt === 0 && /read [^|]*\(20\.0k\) \| applied [^|]*\([1-9][^)]*\) \|.*queued [1-9]/.test(stdout)) {
        signalledAt = Date.now();
        child.kill('SIGINT');
      }
    });
    const code = await exited;
    const stopMs = Date.now() - signalledAt;
    assert.ok(signalledAt > 0, `the job was signalled while records were queued:\n${stdout}${stderr}`);
    assert.equal(code, 0, stderr);
    const stopping = logEvents(stdout).find((e) => e.event === 'stopping');
    assert.equal(stopping?.job, 'running-total', stdout);
    assert.match(
      stopping.msg,
      /^stopping \(SIGINT\): waiting for \d+ records? in flight to commit, then at most 4 s for \d+ outputs? to be acknowledged; \d+ queued records? (is|are) not applied now and (is|are) read again at the next start$/,
    );
    assert.ok(stopMs < STOP_TIMEOUT_MS, `stopped ${stopMs} ms after SIGINT (stopTimeout ${STOP_TIMEOUT_MS} ms)`);
    const applied = [...runningTotals(state, 'running').values()].reduce((n, s) => n + s.count, 0);
    await closeState(state);
    t.diagnostic(`stopped ${stopMs} ms after SIGINT with ${applied} of ${RECORDS} records applied`);
    assert.ok(applied < RECORDS, `the queued records were not applied on the way out (${applied} of ${RECORDS} applied)`);
    const rest = await runCli(['run', file]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(runningTotals(state, 'running'), expectedTotals(events), 'every record applied exactly once across the stop');
    await closeState(state);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
