/**
 * The query endpoint on its own thread, as `flywheel run` serves it: over a real TCP port, state routes read the
 * job's LMDB state through the thread's own handle, while metrics and readiness come from the job's main thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { startQueryThread } from '../../src/runtime/query-host.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { latestJob } from '../query/fixtures/latest-job.js';

const modulePath = fileURLToPath(new URL('../query/fixtures/latest-job.js', import.meta.url));
const job = moduleJobRef(modulePath, 'latestJob');

/** Runs the fixture job over `events` events to the end, then hands its runner and state directory to `fn`. */
async function withFinishedJob(events: number, fn: (runner: JobRunner, stateDir: string) => Promise<void>): Promise<void> {
  clearMemoryChannels();
  setMemoryInput('events', [Array.from({ length: events }, (_, i) => ({ key: null, value: { user: `u${i % 4}`, ts: 1000 + i * 10, amount: i } }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-query-thread-'));
  try {
    const runner = new JobRunner({ job, graph: latestJob, stateDir, workers: 1, slots: 4 });
    await runner.run();
    await fn(runner, stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

test('state, metrics, readiness and topology over a real port from the query thread', async () => {
  await withFinishedJob(40, async (runner, stateDir) => {
    const server = await startQueryThread(runner, job, stateDir, 0, '127.0.0.1');
    try {
      const get = async (path: string) => {
        const res = await fetch(`${server.url}${path}`);
        return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
      };
      // The last event of u2 is i = 38: ts 1380, amount 38.
      const found = await get('/latest/latest/u2');
      assert.equal(found.status, 200);
      assert.deepEqual(JSON.parse(found.body).value, { user: 'u2', ts: 1380, amount: 38 });
      assert.equal((await get('/latest/latest/nobody')).status, 404);
      const ready = await get('/readyz');
      assert.equal(ready.status, 503, 'the job has stopped, and the main thread says so');
      assert.match(JSON.parse(ready.body).reasons[0], /starting or stopping/);
      const metrics = await get('/metrics');
      assert.match(metrics.type, /text\/plain/);
      const families = parsePrometheusTextFormat(metrics.body) as Array<{ name: string; metrics: Array<{ labels?: Record<string, string>; value?: string }> }>;
      const recordsIn = families.find((f) => f.name === 'flywheel_records_in_total')!;
      assert.equal(Number(recordsIn.metrics.find((m) => m.labels?.step === 'latest')?.value), 40);
      assert.deepEqual(JSON.parse((await get('/topology')).body).steps.map((s: { id: string }) => s.id), ['events', 'by-user', 'latest', 'out']);
    } finally {
      await server.close();
    }
  });
});

test('a port already in use stops the query thread with the listen error', async () => {
  await withFinishedJob(1, async (runner, stateDir) => {
    const first = await startQueryThread(runner, job, stateDir, 0, '127.0.0.1');
    try {
      const port = Number(new URL(first.url).port);
      await assert.rejects(startQueryThread(runner, job, stateDir, port, '127.0.0.1'), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
