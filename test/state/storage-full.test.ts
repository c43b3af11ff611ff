/**
 * The state directory's disk fills up (a tmpfs of 4 MiB mounted for the test; it needs root, and is skipped, saying
 * so, where mounting is not allowed): the job stops with FW_ERR_STORAGE_FULL naming the directory and what to do,
 * the CLI exits non-zero, /healthz answers 503 once the job has failed; after space is freed, a restart resumes
 * from the last commit and applies every record exactly once. Before, the job stopped with FW_ERR_INTERNAL and a
 * misleading LMDB message ("Attempting to setup locks after open"), or kept running with /healthz 200.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { jobView } from '../../src/runtime/job-view.js';
import { buildQueryApp } from '../../src/query/app.js';
import { ErrorCodes, FlywheelError } from '../../src/core/errors.js';
import { runCli } from '../harness/cli-run.js';
import { runningTotals } from '../connectors/kafka/job-observer.js';
import { expectedTotals, writeRunningTotalJob } from '../harness/running-total-job.js';

function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a full disk stops the job with FW_ERR_STORAGE_FULL; after space is freed the restart applies every record once', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-storage-full-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  if (!tryMount(mnt, '4m')) {
    rmSync(dir, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  try {
    const stateDir = join(mnt, 'state');
    const events = Array.from({ length: 300_000 }, (_, i) => ({ user: `user-${(i * 7919) % 150_000}`, ts: 1_000 + i, amount: i % 97 }));
    const file = writeRunningTotalJob(dir, events, stateDir);

    const cli = await runCli(['run', file]);
    assert.equal(cli.code, 1, 'the process exits non-zero');
    assert.match(cli.stderr, new RegExp(`FW_ERR_STORAGE_FULL the state directory ${stateDir} cannot be written`));
    assert.match(cli.stderr, /hint: free space on its disk/);

    const { graph, runtime } = await loadTopology(file);
    const runJob = () => new JobRunner({ job: { kind: 'topology', file }, graph, stateDir: runtime.stateDir, workers: 1, slots: runtime.slots, baseDir: dir });
    const failing = runJob();
    await assert.rejects(failing.run(), (err: unknown) => err instanceof FlywheelError && err.code === ErrorCodes.STORAGE_FULL && err.place.file === stateDir);
    const health = await buildQueryApp(jobView(failing, stateDir)).inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 503, 'healthz says the job is down');

    execFileSync('mount', ['-o', 'remount,size=256m', mnt]);
    await runJob().run();
    assert.deepEqual(runningTotals(stateDir, 'running'), expectedTotals(events), 'every record applied exactly once across the failure');
  } finally {
    execFileSync('umount', ['-l', mnt]);
    rmSync(dir, { recursive: true, force: true });
  }
});
