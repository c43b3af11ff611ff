/**
 * The query endpoint as `flywheel run` serves it, on its own thread or in its own child process: over a real TCP
 * port, state routes read the job's LMDB state through the endpoint's own handle, while metrics and readiness come
 * from the job's main thread, and the endpoint reports its own CPU time and per-route request times. A child-process
 * endpoint goes away with its job, even one killed with SIGKILL, and until it has, a job cannot take the state
 * directory. Access tokens reach the endpoint on either, and guard its routes. Several endpoint processes share one
 * port, and /metrics combines their figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import type { FlywheelError } from '../../src/core/errors.js';
import { startQueryEndpoint } from '../../src/runtime/query-host.js';
import { tokenHash } from '../../src/query/access-policy.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { lockStateDir } from '../../src/state/state-dir-lock.js';
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

test('a job cannot take its state directory while a query endpoint process (of a run that was killed, say) has it open', async (t) => {
  await withFinishedJob(10, async (runner, stateDir) => {
    const server = await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', 'process');
    let taken = false;
    const taking = lockStateDir(stateDir).then((lock) => {
      taken = true;
      return lock;
    });
    try {
      // Each answer shows the endpoint process alive with the directory open, and the lock must still be pending.
      const started = Date.now();
      for (let request = 1; request <= 20; request++) {
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the endpoint process answers');
        assert.equal(taken, false, `not while the endpoint process has the directory open (after answer ${request})`);
      }
      t.diagnostic(`the lock stayed pending over 20 answers of the endpoint process (${Date.now() - started} ms)`);
    } finally {
      await server.close();
    }
    (await taking).release();
  });
});

for (const isolation of ['thread', 'process'] as const) {
  test(`state, metrics, readiness and topology over a real port from the query endpoint (${isolation})`, async () => {
    await withFinishedJob(40, async (runner, stateDir) => {
      const server = await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', isolation);
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
        assert.deepEqual(JSON.parse(ready.body).reasons, ['finished: every source read to its end and applied']);
        const metrics = await get('/metrics');
        assert.match(metrics.type, /text\/plain/);
        const families = parsePrometheusTextFormat(metrics.body) as Array<{
          name: string;
          metrics: Array<{ labels?: Record<string, string>; value?: string }>;
        }>;
        const recordsIn = families.find((f) => f.name === 'flywheel_records_in_total')!;
        assert.equal(Number(recordsIn.metrics.find((m) => m.labels?.step === 'latest')?.value), 40);
        // The endpoint's own figures: its CPU time so far, and the two lookups above in the per-route histogram.
        const cpu = families.find((f) => f.name === 'flywheel_query_endpoint_cpu_seconds_total')!;
        assert.ok(Number(cpu.metrics[0]!.value) > 0, 'the endpoint has used some CPU time');
        assert.match(metrics.body, /^flywheel_query_request_seconds_count\{[^}]*route="\/latest\/latest\/:key"[^}]*status="200"[^}]*\} 1$/m);
        assert.match(metrics.body, /^flywheel_query_request_seconds_count\{[^}]*route="\/latest\/latest\/:key"[^}]*status="404"[^}]*\} 1$/m);
        assert.deepEqual(
          JSON.parse((await get('/topology')).body).steps.map((s: { id: string }) => s.id),
          ['events', 'by-user', 'latest', 'out'],
        );
      } finally {
        await server.close();
      }
    });
  });

  test(`a port already in use stops the query endpoint with FW_ERR_PORT_IN_USE (${isolation})`, async () => {
    await withFinishedJob(1, async (runner, stateDir) => {
      const first = await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', isolation);
      try {
        const port = Number(new URL(first.url).port);
        await assert.rejects(startQueryEndpoint(runner, job, stateDir, port, '127.0.0.1', isolation), (err: unknown) => {
          assert.equal((err as FlywheelError).code, 'FW_ERR_PORT_IN_USE');
          assert.match((err as Error).message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
          return true;
        });
      } finally {
        await first.close();
      }
    });
  });

  test(`the access tokens reach the endpoint (${isolation}): a state route answers 401 without a token, 200 with one`, async () => {
    await withFinishedJob(4, async (runner, stateDir) => {
      const security = { tokens: [{ name: 'reader', sha256: tokenHash('reader-token-0e1d'), role: 'viewer' as const }], openMetrics: false };
      const server = await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', isolation, undefined, security);
      try {
        assert.equal((await fetch(`${server.url}/latest/latest/u1`)).status, 401);
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'health stays open');
        const read = await fetch(`${server.url}/latest/latest/u1`, { headers: { authorization: 'Bearer reader-token-0e1d' } });
        assert.equal(read.status, 200);
        // The last event of u1 is i = 1: amount 1.
        assert.equal(((await read.json()) as { value: { amount: number } }).value.amount, 1);
      } finally {
        await server.close();
      }
    });
  });
}

test('a child-process endpoint exits when its job is killed with SIGKILL, freeing the port', { timeout: 60_000 }, async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-query-orphan-'));
  const parent = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/query-endpoint-parent.js', import.meta.url)), stateDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /URL (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      parent.once('exit', (code) => reject(new Error(`the job exited (${code}) before its endpoint listened`)));
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the endpoint answers while its job runs');
    parent.kill('SIGKILL');
    let free = false;
    for (let i = 0; i < 100 && !free; i++) {
      await new Promise((r) => setTimeout(r, 100));
      free = await fetch(`${url}/healthz`).then(
        () => false,
        () => true,
      );
    }
    assert.ok(free, 'the endpoint stopped listening within 10 s of its job being killed');
  } finally {
    parent.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

/** Process ids (other than this one) holding the listening TCP socket of `port` on 127.0.0.1, from /proc. */
function listenersOf(port: number): number[] {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((f) => f[1] === local && f[3] === '0A');
  assert.ok(row, `a socket listens on 127.0.0.1:${port}`);
  const socket = `socket:[${row[9]}]`;
  const holders: number[] = [];
  for (const pid of readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)) {
    if (pid === process.pid) continue;
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === socket)) holders.push(pid);
    } catch {
      // A process that ended while being read, or one of another user.
    }
  }
  return holders;
}

/** GET over a connection of its own (no keep-alive), so that each request is accepted anew by whichever process. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode!));
    }).once('error', reject);
  });
}

test('two endpoint processes share the port: each holds the listening socket, /metrics counts the requests of both, and one killed leaves the other serving', {
  skip: process.platform !== 'linux' && 'reads /proc',
}, async () => {
  await withFinishedJob(8, async (runner, stateDir) => {
    const server = await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', 'process', undefined, undefined, 2);
    try {
      const port = Number(new URL(server.url).port);
      const holders = listenersOf(port);
      assert.equal(holders.length, 2, `two endpoint processes hold the listening socket (pids ${holders.join(', ')})`);
      const requests = 30;
      for (let i = 0; i < requests; i++) assert.equal(await getOnNewConnection(`${server.url}/latest/latest/u${i % 4}`), 200);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      // Summed over both processes, whichever of them each connection reached.
      const counted = /^flywheel_query_request_seconds_count\{[^}]*route="\/latest\/latest\/:key"[^}]*status="200"[^}]*\} (\d+)$/m.exec(metrics);
      assert.equal(Number(counted?.[1]), requests, 'the lookups of both processes are counted once each');
      assert.equal((metrics.match(/^flywheel_records_in_total\{[^}]*step="latest"[^}]*\} /gm) ?? []).length, 1, "the job's own metrics appear once");
      process.kill(holders[0]!, 'SIGKILL');
      for (let i = 0; i < 10; i++) assert.equal(await getOnNewConnection(`${server.url}/latest/latest/u1`), 200, 'the other process answers');
    } finally {
      await server.close();
    }
  });
});

test('more than one endpoint process needs process isolation', async () => {
  await withFinishedJob(1, async (runner, stateDir) => {
    await assert.rejects(
      startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', 'thread', undefined, undefined, 2),
      /2 serving processes need isolation 'process'/,
    );
  });
});
