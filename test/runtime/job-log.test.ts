/**
 * The job's log and its process metrics, read from a real `flywheel run` process whose stdout is a pipe: one JSON
 * event a line with the job's name (lifecycle, status with its figures, a dead-letter summary per step, not a line per
 * record), and /metrics with prom-client's default metrics of the process. The endpoint's 500s are logged with their
 * route and code; the person-readable form is `[job] message`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { cli } from '../harness/cli-run.js';
import { keyedTopology } from '../harness/keyed-topology.js';
import { logEvents, type LogEvent } from '../harness/log-events.js';
import { buildQueryApp } from '../../src/query/app.js';
import { humanLine, jobLogger, relayedLogger, relayLogLine } from '../../src/runtime/job-log.js';
import { Redactor } from '../../src/graph/secrets.js';
import { FlywheelError } from '../../src/core/errors.js';
import type { RuntimeView } from '../../src/query/runtime-view.js';

const BAD_LINES = 4;

test('a job run with its output piped logs JSON events: lifecycle, status, one dead-letter summary per step; /metrics has the process metrics', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-job-log-'));
  try {
    const good = Array.from({ length: 30 }, (_, i) => JSON.stringify({ user: `u${i % 3}`, ts: 1_000 + i, amount: i }));
    const bad = Array.from({ length: BAD_LINES }, (_, i) => `{not json ${i}`);
    writeFileSync(join(dir, 'events.jsonl'), [...good.slice(0, 10), ...bad, ...good.slice(10)].join('\n') + '\n');
    writeFileSync(
      join(dir, 'topology.yaml'),
      keyedTopology({ name: 'logged', source: '{ type: file, path: ./events.jsonl }', runtime: 'statusInterval: 100ms, http: { port: 0, keepServing: true }' }),
    );
    const child = spawn(process.execPath, [cli, 'run', join(dir, 'topology.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const events = () => logEvents(stdout);
    // Waits for the event saying the input was read and the endpoint serves on.
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const serving = events().find((e) => e.event === 'serving');
        if (serving) resolve(serving.url as string);
      });
      void exited.then((code) => reject(new Error(`exited (${code}) before serving:\n${stdout}${stderr}`)));
    });
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    const families = new Map(
      (parsePrometheusTextFormat(await metrics.text()) as Array<{ name: string; metrics: Array<{ labels: Record<string, string>; value: string }> }>).map(
        (f) => [f.name, f],
      ),
    );
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);

    const logged = events();
    assert.ok(
      logged.every((e) => e.job === 'logged' && typeof e.level === 'number' && !Number.isNaN(Date.parse(e.time))),
      stdout,
    );
    const kinds = logged.map((e) => e.event);
    for (const kind of ['listening', 'started', 'status', 'dead-letters', 'finished', 'serving'])
      assert.ok(kinds.includes(kind), `a '${kind}' event in:\n${stdout}`);
    assert.ok(
      kinds.indexOf('listening') < kinds.indexOf('started') && kinds.indexOf('finished') < kinds.indexOf('serving'),
      `lifecycle order: ${kinds.join(', ')}`,
    );
    const status = logged.filter((e) => e.event === 'status').at(-1)!;
    assert.equal(typeof status.recordsRead, 'number');
    assert.match(status.msg, /^read .* \| applied .* \| watermark /);
    // The dead letters are summarized, not logged one by one: the summaries' counts add up to the bad lines.
    const summaries = logged.filter((e) => e.event === 'dead-letters');
    assert.ok(
      summaries.every((e) => e.step === 'events' && e.level === 40),
      JSON.stringify(summaries),
    );
    assert.ok(summaries.length < BAD_LINES || summaries.every((e) => e.count === 1), 'one summary per status interval');
    assert.equal(
      summaries.reduce((n, e) => n + (e.count as number), 0),
      BAD_LINES,
    );
    assert.equal(summaries.at(-1)!.total, BAD_LINES);
    assert.match(summaries.at(-1)!.msg, /dead-letter sink dlq/);
    const finished = logged.find((e) => e.event === 'finished')!;
    assert.equal(finished.recordsRead, 30 + BAD_LINES);

    // prom-client's default metrics of the job's process, labelled with the job like its own.
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'process_cpu_seconds_total'])
      assert.ok(families.has(name), `${name} on /metrics`);
    const heap = families.get('nodejs_heap_size_used_bytes')!.metrics[0]!;
    assert.ok(Number(heap.value) > 0);
    assert.equal(heap.labels.job, 'logged');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const view: RuntimeView = {
  jobName: 'broken',
  live: async () => true,
  readiness: async () => ({ ready: true, reasons: [] }),
  topology: () => ({}),
  metrics: async () => '',
  contentType: 'text/plain',
  state: undefined as never,
};

test('an error answered with a 500 is logged with its route and code, relayed from the endpoint into the job log; requests are not logged', async () => {
  const lines: string[] = [];
  const jobLog = jobLogger('broken', { write: (line) => lines.push(line), format: 'json' });
  // As the endpoint's thread does: its logger's lines are handed to the job's log.
  const endpointLog = relayedLogger('broken', (line) => relayLogLine(jobLog, line));
  const app = buildQueryApp(
    view,
    [
      {
        stepId: 'scores',
        routes: (a) =>
          void a.get('/scores/:id', async () => {
            throw new FlywheelError('FW_ERR_STATE', 'the state of step scores could not be read');
          }),
      },
    ],
    { logger: endpointLog },
  );
  const answer = await app.inject({ method: 'GET', url: '/scores/u1', headers: { authorization: 'Bearer not-to-be-logged' } });
  assert.equal(answer.statusCode, 500);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  await app.close();
  assert.equal(lines.length, 1, lines.join('\n'));
  const logged = JSON.parse(lines[0]!) as LogEvent;
  assert.equal(logged.level, 50);
  assert.equal(logged.job, 'broken');
  assert.equal(logged.event, 'http-error');
  assert.equal(logged.code, 'FW_ERR_STATE');
  assert.equal(logged.route, '/scores/:id');
  assert.match(logged.msg, /^GET \/scores\/:id answered 500: FW_ERR_STATE the state of step scores could not be read/);
  assert.ok(!lines[0]!.includes('not-to-be-logged'));
});

test('on a terminal an event reads as [job] message; secrets are redacted in every line', () => {
  const lines: string[] = [];
  const log = jobLogger('clicks', { write: (line) => lines.push(line), format: 'human', redactor: new Redactor(['pw-4c1d9e2f']) });
  log.warn(
    { event: 'retry', step: 'events', code: 'FW_ERR_BROKER_UNAVAILABLE' },
    'source events: cannot reach Kafka with password pw-4c1d9e2f; attempt 1 failed',
  );
  assert.deepEqual(lines, ['[clicks] source events: cannot reach Kafka with password ***; attempt 1 failed']);
  assert.equal(humanLine(JSON.stringify({ level: 30, job: 'demo', msg: 'fresh state' })), '[demo] fresh state');
});
