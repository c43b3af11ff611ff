/**
 * The query endpoint: built-in routes through inject(), a step's state routes over a job's real LMDB state, bad input
 * and missing keys, Prometheus output parsed by a real parser, and one request over a real TCP port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { buildQueryApp } from '../../src/query/app.js';
import { startQueryServer } from '../../src/query/server.js';
import { jobView } from '../../src/runtime/job-view.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { latestJob } from './fixtures/latest-job.js';

const modulePath = fileURLToPath(new URL('./fixtures/latest-job.js', import.meta.url));

async function withJob(fn: (runner: JobRunner, stateDir: string) => Promise<void>): Promise<void> {
  clearMemoryChannels();
  setMemoryInput('events', [Array.from({ length: 40 }, (_, i) => ({ key: null, value: { user: `u${i % 4}`, ts: 1000 + i * 10, amount: i } }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-query-'));
  const runner = new JobRunner({ job: moduleJobRef(modulePath, 'latestJob'), graph: latestJob, stateDir, workers: 1, slots: 4 });
  const running = runner.run();
  try {
    await running;
    await fn(runner, stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

test('health, readiness, topology and state routes; 404 for a missing key and 400 for bad input', async () => {
  await withJob(async (runner, stateDir) => {
    const app = buildQueryApp(jobView(runner, stateDir), routeContributions(latestJob));
    assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok', job: 'latest' });
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 503, 'a finished job is not ready');
    assert.deepEqual(ready.json().reasons, ['finished: every source read to its end and applied']);
    assert.deepEqual(
      (await app.inject('/topology')).json().steps.map((s: { id: string }) => s.id),
      ['events', 'by-user', 'latest', 'out'],
    );
    // The last event of u3 is i = 39: ts 1390, amount 39.
    const found = await app.inject('/latest/latest/u3');
    assert.equal(found.statusCode, 200);
    assert.deepEqual(found.json().value, { user: 'u3', ts: 1390, amount: 39 });
    const missing = await app.inject('/latest/latest/nobody');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /no value for key 'nobody'/);
    const tooLong = await app.inject(`/latest/latest/${'x'.repeat(300)}`);
    assert.equal(tooLong.statusCode, 400);
    assert.match(tooLong.json().message, /must NOT have more than 256 characters/);
    const unknown = await app.inject('/nope');
    assert.equal(unknown.statusCode, 404);
    // The hint lists what the job serves: built-in routes and the one the latest step contributed.
    for (const route of ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /topology', 'GET /latest/latest/:key'])
      assert.ok(unknown.json().routes.includes(route), `${route} in ${unknown.json().message}`);
    assert.match(unknown.json().message, /this job serves GET \/healthz, .*GET \/latest\/latest\/:key/);
    await app.close();
  });
});

test('/metrics is valid Prometheus text: records per step and batch latency quantiles', async () => {
  await withJob(async (runner, stateDir) => {
    const app = buildQueryApp(jobView(runner, stateDir), []);
    const res = await app.inject('/metrics');
    assert.match(String(res.headers['content-type']), /text\/plain/);
    const families = parsePrometheusTextFormat(res.body) as Array<{
      name: string;
      type: string;
      metrics: Array<{ labels?: Record<string, string>; value?: string; quantiles?: Record<string, string> }>;
    }>;
    const byName = new Map(families.map((f) => [f.name, f]));
    const recordsIn = byName.get('flywheel_records_in_total')!;
    assert.equal(recordsIn.type, 'COUNTER');
    assert.equal(Number(recordsIn.metrics.find((m) => m.labels?.step === 'latest')?.value), 40);
    // The keyBy step sits between two stages; each of the 40 events passes it once, in and out.
    const recordsOut = byName.get('flywheel_records_out_total')!;
    assert.equal(Number(recordsIn.metrics.find((m) => m.labels?.step === 'by-user')?.value), 40);
    assert.equal(Number(recordsOut.metrics.find((m) => m.labels?.step === 'by-user')?.value), 40);
    const batches = byName.get('flywheel_batch_seconds')!;
    assert.equal(batches.type, 'SUMMARY');
    assert.ok(batches.metrics[0]!.quantiles!['0.99'] !== undefined);
    await app.close();
  });
});

test('the endpoint answers over a real TCP port', async () => {
  await withJob(async (runner, stateDir) => {
    const server = await startQueryServer(buildQueryApp(jobView(runner, stateDir), routeContributions(latestJob)), 0);
    try {
      const res = await fetch(`${server.url}/latest/latest/u0`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { value: { user: string } }).value.user, 'u0');
    } finally {
      await server.close();
    }
  });
});
