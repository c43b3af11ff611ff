/**
 * The async step through the real runner (YAML topology, worker thread, LMDB) against a real HTTP service on a port
 * of its own that is slow, fails with 5xx, hangs past the timeout, answers garbage, and is killed mid-run: results,
 * retries and dead letters as configured, calls in flight bounded by `capacity`, results in input order or in
 * completion order, and the circuit breaker refusing calls once open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { FlywheelError } from '../../src/core/errors.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { keyedTopology } from '../harness/keyed-topology.js';
import { CallServer, type Behaviour, type CallRequest } from '../harness/call-server.js';

interface Rec {
  user: string;
  ts: number;
  n: number;
  mode?: string;
}

interface Written<T> {
  id: string;
  value: T;
}

const answerOf = (req: CallRequest) => ({ doubled: (req.body as Rec).n * 2 });

function records(count: number, mode?: (n: number) => string | undefined): Rec[] {
  return Array.from({ length: count }, (_, n) => ({ user: `u${n % 4}`, ts: 1_000 + n, n, ...(mode?.(n) ? { mode: mode(n) } : {}) }));
}

function lines<T>(file: string): Array<Written<T>> {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Written<T>);
}

/** Runs a file -> keyBy -> async -> file job to its end; the step's YAML keys are given as flow mappings. */
async function runAsyncJob(
  input: Rec[],
  server: CallServer,
  step: string,
  runtime = 'slots: 2',
  onError = 'deadLetter',
): Promise<{ out: Array<Written<Rec & { result: { doubled: number } }>>; dead: Array<Written<{ reason: string; record: Rec; step: string }>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-async-'));
  try {
    writeFileSync(join(dir, 'in.jsonl'), input.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const yaml = keyedTopology({
      name: 'async-calls',
      source: '{ type: file, path: ./in.jsonl }',
      middle: `  - id: call\n    op: async\n    onError: ${onError}\n    http: { url: "\${CALL_URL}/effects" }\n${step}`,
      runtime,
    });
    writeFileSync(join(dir, 'topology.yaml'), yaml);
    process.env.CALL_URL = server.url;
    const { graph, runtime: settings } = await loadTopology(join(dir, 'topology.yaml'));
    const runner = new JobRunner({
      job: { kind: 'topology', file: join(dir, 'topology.yaml') },
      graph,
      stateDir: settings.stateDir,
      workers: 1,
      slots: settings.slots,
      batch: settings.batch,
      baseDir: dir,
    });
    await runner.run();
    return { out: lines(join(dir, 'out.jsonl')), dead: lines(join(dir, 'dlq.jsonl')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withServer<T>(behaviour: (req: CallRequest) => Behaviour, body: (server: CallServer) => Promise<T>): Promise<T> {
  const server = await new CallServer(behaviour, answerOf).start();
  try {
    return await body(server);
  } finally {
    await server.kill();
  }
}

const byN = <T extends { n: number }>(list: T[]): T[] => [...list].sort((a, b) => a.n - b.n);

test('a slow service: every record gets its answer, one call each under its own key, at most `capacity` in flight', { timeout: 120_000 }, async () => {
  const input = records(300);
  await withServer(
    () => ({ delayMs: 20 }),
    async (server) => {
      const { out, dead } = await runAsyncJob(input, server, '    capacity: 8\n');
      assert.equal(dead.length, 0);
      assert.deepEqual(
        byN(out.map((o) => o.value)),
        input.map((r) => ({ ...r, result: { doubled: r.n * 2 } })),
      );
      assert.equal(new Set(out.map((o) => o.id)).size, input.length, 'one output id per record');
      assert.equal(server.calls, input.length, 'one call per record');
      assert.equal(server.effects.size, input.length, 'a distinct idempotency key per record');
      // One worker thread runs one batch at a time; a batch of more than 8 records fills every lane.
      assert.equal(server.maxInFlight, 8, 'calls in flight reach the capacity and never pass it');
    },
  );
});

test('5xx answers are retried under the same key; a record failing every attempt is dead-lettered with the reason', { timeout: 120_000 }, async () => {
  const input = records(60, (n) => (n % 10 === 3 ? 'broken' : n % 2 === 0 ? 'flaky' : undefined));
  await withServer(
    (req) => {
      const mode = (req.body as Rec).mode;
      if (mode === 'broken') return { status: 503 };
      if (mode === 'flaky' && req.attempt <= 2) return { status: 500 };
      return {};
    },
    async (server) => {
      const { out, dead } = await runAsyncJob(
        input,
        server,
        '    retries: 2\n    backoff: { initial: 5ms, max: 20ms }\n    circuitBreaker: { failures: 1000 }\n',
      );
      const broken = input.filter((r) => r.mode === 'broken');
      assert.deepEqual(byN(dead.map((d) => d.value.record)), broken);
      for (const d of dead) {
        assert.equal(d.value.step, 'call');
        assert.match(d.value.reason, /^FW_ERR_ASYNC_CALL call failed: POST http:\/\/127\.0\.0\.1:\d+\/effects answered 503 \(3 calls sent\)$/);
      }
      assert.deepEqual(
        byN(out.map((o) => o.value)),
        input.filter((r) => r.mode !== 'broken').map((r) => ({ ...r, result: { doubled: r.n * 2 } })),
      );
      for (const [key, calls] of server.callsPerKey) assert.ok(calls === 1 || calls === 3, `key ${key}: ${calls} calls (1, or 3 for a flaky or broken record)`);
      assert.equal(server.calls, input.length + 2 * input.filter((r) => r.mode !== undefined).length, 'flaky and broken records: 3 calls each; the others 1');
      assert.equal(server.totalEffects, input.length - broken.length, 'one effect per answered record');
    },
  );
});

test('a call past its timeout is retried, then dead-lettered; an answer that is not JSON is dead-lettered without a retry', { timeout: 120_000 }, async () => {
  const input = records(40, (n) => (n % 8 === 1 ? 'hang' : n % 8 === 5 ? 'garbage' : undefined));
  await withServer(
    (req) => {
      const mode = (req.body as Rec).mode;
      if (mode === 'hang') return { hang: true };
      if (mode === 'garbage') return { rawBody: '<html>oops</html>' };
      return {};
    },
    async (server) => {
      // 1 s: on 2 loaded cores 40 concurrent first calls (new connections) took up to 0.6 s to be answered.
      const { out, dead } = await runAsyncJob(
        input,
        server,
        '    timeout: 1s\n    retries: 1\n    backoff: { initial: 5ms, max: 5ms }\n    circuitBreaker: { failures: 1000 }\n',
      );
      const reasons = new Map(dead.map((d) => [d.value.record.n, d.value.reason]));
      for (const r of input) {
        if (r.mode === 'hang') assert.equal(reasons.get(r.n), 'FW_ERR_ASYNC_CALL call failed: timed out after 1000 ms (2 calls sent)', `record ${r.n}`);
        else if (r.mode === 'garbage')
          assert.match(reasons.get(r.n) ?? '', /answered 200 with a body that is not JSON: "<html>oops<\/html>" \(1 call sent\)$/, `record ${r.n}`);
        else assert.equal(reasons.get(r.n), undefined, `record ${r.n} is answered`);
      }
      assert.equal(out.length, input.filter((r) => r.mode === undefined).length);
      assert.equal(server.calls, input.length + input.filter((r) => r.mode === 'hang').length, 'a hanging record is called twice, every other once');
    },
  );
});

test('a service killed mid-run and back 200 ms later: calls retried with backoff, every record answered, one effect per key', {
  timeout: 120_000,
}, async () => {
  const input = records(200);
  let server: CallServer;
  await withServer(
    () => ({ delayMs: 2 }),
    async (s) => {
      server = s;
      let killed = false;
      void server
        .until(() => server.calls >= 60)
        .then(async () => {
          killed = true;
          await server.kill();
          // The outage the retries must ride out (not a wait for anything to happen).
          setTimeout(() => void server.restart(), 200);
        });
      const { out, dead } = await runAsyncJob(
        input,
        server,
        '    retries: 20\n    backoff: { initial: 20ms, max: 100ms }\n    circuitBreaker: { failures: 1000 }\n',
      );
      assert.ok(killed, 'the service was killed during the run');
      assert.equal(dead.length, 0, `no dead letters: ${JSON.stringify(dead.slice(0, 2))}`);
      assert.deepEqual(
        byN(out.map((o) => o.value)),
        input.map((r) => ({ ...r, result: { doubled: r.n * 2 } })),
      );
      assert.equal(server.effects.size, input.length);
      assert.deepEqual(
        [...server.effects.values()].filter((c) => c !== 1),
        [],
        'no key has a second effect',
      );
    },
  );
});

test('a service killed for good: records are dead-lettered with the connection error, then refused by the open circuit breaker', {
  timeout: 120_000,
}, async () => {
  const input = records(100);
  await withServer(
    () => ({}),
    async (server) => {
      void server.until(() => server.calls >= 30).then(() => server.kill());
      // capacity 1: calls are sent one at a time, so the breaker's count is exact.
      const { out, dead } = await runAsyncJob(
        input,
        server,
        '    capacity: 1\n    retries: 1\n    backoff: { initial: 1ms, max: 1ms }\n    circuitBreaker: { failures: 4, openFor: 60s }\n',
      );
      assert.equal(out.length + dead.length, input.length, 'every record is either answered or dead-lettered');
      assert.ok(out.length >= 29 && out.length <= 30, `answered before the kill: ${out.length}`);
      const refusedConnection = dead.filter((d) => /failed: (ECONNREFUSED|ECONNRESET)/.test(d.value.reason));
      const breakerOpen = dead.filter((d) => /circuit breaker open: 4 consecutive calls failed/.test(d.value.reason));
      // Four failed calls open the breaker: two records with two calls each (or the call in flight at the kill and one more).
      assert.ok(refusedConnection.length >= 1 && refusedConnection.length <= 3, `dead-lettered for the connection: ${refusedConnection.length}`);
      assert.equal(
        refusedConnection.length + breakerOpen.length,
        dead.length,
        dead
          .map((d) => d.value.reason)
          .filter((r) => !/ECONNREFUSED|circuit/.test(r))
          .join('; '),
      );
    },
  );
});

test('ordered results follow the input; unordered ones follow completion', { timeout: 120_000 }, async () => {
  // One slot and one batch of 20 records (maxDelay 1 s): record n is answered after (20 - n) * 50 ms, so completion
  // order is the reverse of input order, with 50 ms between neighbours to spare for a loaded machine.
  const input = Array.from({ length: 20 }, (_, n) => ({ user: 'u0', ts: 1_000 + n, n }));
  const behaviour = (req: CallRequest): Behaviour => ({ delayMs: (20 - (req.body as Rec).n) * 50 });
  const runtime = 'slots: 1, batch: { maxDelay: 1s }';
  const ordered = await withServer(behaviour, (server) => runAsyncJob(input, server, '    capacity: 20\n', runtime));
  assert.deepEqual(
    ordered.out.map((o) => o.value.n),
    input.map((r) => r.n),
  );
  const unordered = await withServer(behaviour, (server) => runAsyncJob(input, server, '    capacity: 20\n    ordered: false\n', runtime));
  assert.deepEqual(
    unordered.out.map((o) => o.value.n),
    input.map((r) => r.n).reverse(),
  );
});

test('onError fail: a call failing for good stops the job with FW_ERR_ASYNC_CALL, naming the step, key and source position', { timeout: 120_000 }, async () => {
  const input = records(20, (n) => (n === 13 ? 'broken' : undefined));
  await withServer(
    (req) => ((req.body as Rec).mode === 'broken' ? { status: 502 } : {}),
    async (server) => {
      await assert.rejects(
        () => runAsyncJob(input, server, '    retries: 1\n    backoff: { initial: 1ms, max: 1ms }\n', 'slots: 2', 'fail'),
        (err: unknown) => {
          assert.ok(err instanceof FlywheelError, String(err));
          assert.equal(err.code, 'FW_ERR_ASYNC_CALL');
          assert.equal(err.place.stepId, 'call');
          assert.equal(err.place.key, 'u1', 'record 13 is keyed u1');
          assert.equal(err.place.source, 'events');
          const offset = input.slice(0, 13).reduce((sum, r) => sum + JSON.stringify(r).length + 1, 0);
          assert.equal(err.place.offset, offset, 'the byte offset of record 13 in the input file');
          assert.match(err.message, /call failed: POST http:\/\/127\.0\.0\.1:\d+\/effects answered 502 \(2 calls sent\)/);
          return true;
        },
      );
    },
  );
});
