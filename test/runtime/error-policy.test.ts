/**
 * On-error policies and late data through the real runner (worker threads, LMDB): deadLetter keeps the bad record
 * with its reason and source position, skip drops it but counts it, fail stops the job with an error naming the step,
 * key and source position; records later than the watermark reach the window's late output, counted in metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../src/runtime/runner.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { FlywheelError } from '../../src/core/errors.js';
import { clearMemoryChannels, memoryOutput, setMemoryInput, type MemoryRecord } from '../../src/connectors/memory/memory-channels.js';
import type { JobGraph } from '../../src/graph/model.js';
import * as jobs from './fixtures/policy-jobs.js';

const modulePath = fileURLToPath(new URL('./fixtures/policy-jobs.js', import.meta.url));

async function run(graph: JobGraph, exportName: string, input: MemoryRecord[]): Promise<JobRunner> {
  clearMemoryChannels();
  setMemoryInput('events', [input]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-policy-'));
  const runner = new JobRunner({ job: moduleJobRef(modulePath, exportName), graph, stateDir, workers: 1, slots: 4 });
  try {
    await runner.run();
    return runner;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const input: MemoryRecord[] = Array.from({ length: 100 }, (_, i) => ({ key: null, value: { user: `u${i % 7}`, ts: 1000 + i, bad: i % 10 === 3 } }));
const badCount = input.filter((r) => (r.value as { bad: boolean }).bad).length;

test('deadLetter: each failing record lands in the dead-letter sink with the reason and its source position', async () => {
  // One more record, without its event time: the source dead-letters it, in the same shape as the step's.
  await run(jobs.deadLetterJob, 'deadLetterJob', [...input, { key: null, value: { user: 'u0' } }]);
  assert.equal(memoryOutput('out').length, input.length - badCount);
  const dead = memoryOutput('dlq');
  assert.equal(dead.length, badCount + 1);
  const shape = ['offset', 'partition', 'reason', 'record', 'source', 'step'];
  for (const d of dead) {
    const v = d.value as { reason: string; step: string; source: string; partition: number; offset: number; record: { ts?: number } };
    assert.deepEqual(Object.keys(v).sort(), shape, 'one shape for source and step dead letters');
    assert.equal(v.source, 'events');
    assert.equal(v.partition, 0);
    assert.equal(d.headers?.['flywheel-source'], `events:0@${v.offset}`);
    if (v.step === 'events') {
      assert.equal(v.offset, input.length);
      assert.match(v.reason, /no event time/);
      assert.deepEqual(v.record, { user: 'u0' });
      continue;
    }
    assert.equal(v.step, 'check');
    assert.match(v.reason, /flagged bad/);
    assert.equal(v.offset, v.record.ts! - 1000, 'the offset names the record in its source');
    assert.equal(d.headers?.['flywheel-step'], 'check');
  }
});

test('skip: failing records are dropped and counted in the step error metric', async () => {
  const runner = await run(jobs.skipJob, 'skipJob', input);
  assert.equal(memoryOutput('out').length, input.length - badCount);
  assert.equal(memoryOutput('dlq').length, 0);
  const metrics = await runner.metrics.text();
  assert.match(metrics, new RegExp(`flywheel_step_errors_total\\{step="check",job="policy-skip"\\} ${badCount}\\b`));
});

test('fail: the job stops with an error naming the step, the key and the source position', async () => {
  await assert.rejects(
    () => run(jobs.failJob, 'failJob', input),
    (err: unknown) => {
      assert.ok(err instanceof FlywheelError);
      assert.equal(err.code, 'FW_ERR_USER_CODE');
      assert.equal(err.place.stepId, 'check');
      // Slots run in parallel, so any bad record may be the first to stop the job: the place must name that one.
      const failing = input[err.place.offset!]!.value as { user: string; bad: boolean };
      assert.equal(failing.bad, true, 'the offset points at a bad record');
      assert.equal(err.place.key, failing.user);
      assert.equal(err.place.source, 'events');
      assert.match(err.message, /flagged bad/);
      return true;
    },
  );
});

test('late records reach the late output and are counted; on-time ones are windowed', async () => {
  // Times 5, 15, 25 advance the watermark to 25 (no out-of-orderness allowed); 3 then belongs to the closed [0,10).
  const events = [5, 15, 25, 3, 26].map((ts) => ({ key: null, value: { user: 'a', ts } }));
  const runner = await run(jobs.lateJob, 'lateJob', events);
  assert.deepEqual(
    memoryOutput('late').map((r) => (r.value as { ts: number }).ts),
    [3],
  );
  const windows = memoryOutput('out').map((r) => r.value as { start: number; value: number });
  assert.deepEqual(
    windows.map((w) => [w.start, w.value]).sort((x, y) => x[0]! - y[0]!),
    [
      [0, 1],
      [10, 1],
      [20, 2],
    ],
  );
  assert.match(await runner.metrics.text(), /flywheel_late_records_total\{step="counts",job="late"\} 1\b/);
});

test('a TypeScript job gets connector defaults, and bad connector options stop it before any data is read', async () => {
  const { job } = await import('../../src/api/job.js');
  const { generatorSource, memorySink } = await import('../../src/api/connectors.js');
  const withDefaults = job('gen-defaults', (j) =>
    j.source('events', generatorSource({ count: 500, partitions: 1 }), { eventTime: { field: 'ts' } }).sink('out', memorySink({ name: 'out' })),
  );
  clearMemoryChannels();
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-opts-'));
  try {
    const summary = await new JobRunner({ job: moduleJobRef(modulePath, 'deadLetterJob'), graph: withDefaults, stateDir, workers: 1, slots: 2 }).run();
    assert.equal(summary.recordsRead, 500, 'the generator ran with its schema defaults');
    const bad = job('gen-bad', (j) =>
      j.source('events', generatorSource({ count: 5, colour: 'red' }), { eventTime: { field: 'ts' } }).sink('out', memorySink({ name: 'out' })),
    );
    await assert.rejects(
      new JobRunner({ job: moduleJobRef(modulePath, 'deadLetterJob'), graph: bad, stateDir: join(stateDir, 'b'), workers: 1 }).run(),
      (err: unknown) =>
        err instanceof FlywheelError && err.code === 'FW_ERR_CONFIG_INVALID' && err.place.stepId === 'events' && /unknown key 'colour'/.test(err.message),
    );
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a record its sink can never encode stops the job with FW_ERR_UNDELIVERABLE instead of being retried forever', { timeout: 60_000 }, async () => {
  try {
    const events = [
      { user: 'a', ts: 1 },
      { user: 'b', ts: 2, bad: true },
      { user: 'c', ts: 3 },
    ].map((value) => ({ key: null, value }));
    await assert.rejects(
      () => run(jobs.undeliverableJob, 'undeliverableJob', events),
      (err: unknown) =>
        err instanceof FlywheelError &&
        err.code === 'FW_ERR_UNDELIVERABLE' &&
        err.place.stepId === 'out' &&
        /record events\/0\/1 cannot be encoded as JSON/.test(err.message),
    );
  } finally {
    rmSync(jobs.undeliverableOutput, { force: true });
  }
});
