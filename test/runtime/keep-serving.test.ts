/**
 * `runtime.http.keepServing`: a job whose input ends keeps answering queries over its final state until it is
 * stopped (as the flywheel topology does once its generated events run out), instead of exiting with its input.
 * Through the CLI, as a user runs it: a file read to its end, its latest values served, then Ctrl-C.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../harness/cli-run.js';
import { keyedTopology } from '../harness/keyed-topology.js';
import { logEvents } from '../harness/log-events.js';

const topology = keyedTopology({
  name: 'served',
  source: '{ type: file, path: ./events.jsonl }',
  runtime: 'http: { port: 0, keepServing: true }',
  middle: '  - id: latest\n    op: process\n    processor: flywheel:jobs/features/latest-by-key.js#latestByKey\n',
});

test('with keepServing, the endpoint answers over the final state after the input ends, until SIGINT', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-keep-serving-'));
  try {
    writeFileSync(
      join(dir, 'events.jsonl'),
      Array.from({ length: 30 }, (_, i) => JSON.stringify({ user: `u${i % 3}`, ts: 1_000 + i, amount: i })).join('\n') + '\n',
    );
    writeFileSync(join(dir, 'topology.yaml'), topology);
    const child = spawn(process.execPath, [cli, 'run', join(dir, 'topology.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const serving = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /input read to its end: 30 records; still serving on (http:\/\/\S+) until stopped/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`exited (${code}) without serving on:\n${stdout}${stderr}`)));
    });
    // The last event of u2 is i = 29.
    const latest = await fetch(`${serving}/latest/latest/u2`);
    assert.equal(latest.status, 200);
    assert.deepEqual(((await latest.json()) as { value: unknown }).value, { user: 'u2', ts: 1_029, amount: 29 });
    const ready = await fetch(`${serving}/readyz`);
    assert.deepEqual(await ready.json(), { ready: false, reasons: ['finished: every source read to its end and applied'] });
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const finished = logEvents(stdout).find((e) => e.event === 'finished');
    assert.deepEqual([finished?.job, finished?.recordsRead], ['served', 30], stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
