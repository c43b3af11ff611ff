/**
 * run(job, options), the public way to run a TypeScript job from code: the job found among its module's exports,
 * run on worker threads with settings checked by the runtime schema, relative paths taken from baseDir; a job that
 * is not an export, and settings the schema refuses, are errors before anything starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlywheelError, run } from '../src/index.js';
import { clicksPerItem, unexported } from './fixtures/clicks-job.js';

const jobModule = new URL('./fixtures/clicks-job.js', import.meta.url);

function workDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('run() runs an exported job on worker threads and writes the counts it makes', async (t) => {
  const dir = workDir(t);
  // 2 items alternating, one click every 2 s over 4 minutes: 15 clicks per item per minute.
  const clicks = Array.from({ length: 120 }, (_, i) => ({ itemId: i % 2 === 0 ? 'a' : 'b', ts: 1_700_000_040_000 + i * 2000 }));
  writeFileSync(join(dir, 'clicks.jsonl'), clicks.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const lines: string[] = [];
  const summary = await run(clicksPerItem, {
    module: jobModule,
    baseDir: dir,
    runtime: { workers: 2, stateDir: 'state', statusInterval: '1s' },
    log: (l) => lines.push(l),
  });
  assert.equal(summary.recordsRead, 120);
  const expected = new Map<string, number>();
  for (const c of clicks)
    expected.set(`${c.itemId}@${Math.floor(c.ts / 60_000) * 60_000}`, (expected.get(`${c.itemId}@${Math.floor(c.ts / 60_000) * 60_000}`) ?? 0) + 1);
  const counts = readFileSync(join(dir, 'counts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { value: { key: string; start: number; value: number } }).value);
  assert.deepEqual(new Map(counts.map((c) => [`${c.key}@${c.start}`, c.value])), expected);
  assert.ok(existsSync(join(dir, 'state')), 'stateDir is resolved against baseDir');
});

test('run() refuses a job that its module does not export, naming the module', async (t) => {
  const dir = workDir(t);
  await assert.rejects(
    run(unexported(), { module: jobModule, baseDir: dir }),
    (err: unknown) => err instanceof FlywheelError && err.code === 'FW_ERR_MODULE_EXPORT' && err.message.includes('clicks-job.js'),
  );
  assert.ok(!existsSync(join(dir, 'state')), 'nothing was created');
});

test('run() checks its runtime settings with the topology schema, naming the setting', async (t) => {
  const dir = workDir(t);
  await assert.rejects(
    run(clicksPerItem, { module: jobModule, baseDir: dir, runtime: { workers: 0 } }),
    (err: unknown) => err instanceof FlywheelError && err.code === 'FW_ERR_CONFIG_INVALID' && /runtime\.workers must be >= 1/.test(err.message),
  );
  await assert.rejects(
    run(clicksPerItem, { module: jobModule, baseDir: dir, runtime: { stopTimeout: 'soon' } }),
    (err: unknown) => err instanceof FlywheelError && /runtime\.stopTimeout/.test(err.message),
  );
});
