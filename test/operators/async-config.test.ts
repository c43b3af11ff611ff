/**
 * Declaring an async step: YAML and TypeScript give the same settings; mistakes stop loading with the file, YAML
 * path and line (no client or two, a window or process step after it in the same stage); a user client referenced
 * as ./file.js#export runs through the real runner, gets the record's id as idempotency key and the attempt number,
 * is retried when it throws, and not when its error says `retryable: false`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { FlywheelError } from '../../src/core/errors.js';
import { job } from '../../src/api/job.js';
import { memorySink, memorySource } from '../../src/api/connectors.js';
import { asyncSettings } from '../../src/operators/async-settings.js';
import { planGraph } from '../../src/graph/planner.js';
import { topologyOf } from '../../src/runtime/job-view.js';
import { keyedTopology } from '../harness/keyed-topology.js';

function topologyDir(middle: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-async-config-'));
  writeFileSync(join(dir, 'topology.yaml'), keyedTopology({ name: 'async-config', source: '{ type: file, path: ./in.jsonl }', middle }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function loadError(middle: string): Promise<FlywheelError> {
  const dir = topologyDir(middle);
  try {
    await loadTopology(join(dir, 'topology.yaml'));
  } catch (err) {
    assert.ok(err instanceof FlywheelError, String(err));
    return err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.fail('the topology loaded');
}

test('YAML and TypeScript give an async step the same settings; durations in YAML may be strings', async () => {
  const dir = topologyDir('  - id: call\n    op: async\n    http: { url: "http://127.0.0.1:9/x" }\n    timeout: 2s\n    backoff: { initial: 50ms }\n');
  try {
    const { graph } = await loadTopology(join(dir, 'topology.yaml'));
    const built = job('async-config', (j) => {
      j.source<{ user: string }>('events', memorySource({ name: 'events' }))
        .keyBy('by-user', 'user')
        .async('call', { http: { url: 'http://127.0.0.1:9/x' }, timeout: 2_000, backoff: { initial: 50 } })
        .sink('out', memorySink({ name: 'out' }));
    });
    const yaml = asyncSettings(graph.steps.find((s) => s.id === 'call')!.config);
    assert.deepEqual(yaml, asyncSettings(built.steps.find((s) => s.id === 'call')!.config));
    assert.deepEqual(yaml, {
      http: { url: 'http://127.0.0.1:9/x', method: 'POST', headers: {} },
      capacity: 100,
      timeout: 2_000,
      retries: 3,
      backoff: { initial: 50, max: 10_000 },
      ordered: true,
      circuitBreaker: { failures: 5, openFor: 10_000 },
      output: { into: 'result' },
      chat: undefined,
      fallback: undefined,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an async step needs exactly one of http, chat and client', async () => {
  const none = await loadError('  - id: call\n    op: async\n    capacity: 4\n');
  assert.equal(none.code, 'FW_ERR_GRAPH_INVALID');
  assert.match(none.message, /async step 'call' needs exactly one of 'http', 'chat' and 'client'/);
  assert.equal(none.place.path, 'steps[2]');
  assert.equal(none.place.line, 12);
  assert.throws(
    () =>
      job(
        'two',
        (j) =>
          void j
            .source<{ user: string }>('events', memorySource({ name: 'events' }))
            .keyBy('k', 'user')
            .async('call', { http: { url: 'http://x' }, client: async () => 1 }),
      ),
    /async step 'call' needs exactly one of 'http', 'chat' and 'client'/,
  );
  const unknown = await loadError('  - id: call\n    op: async\n    http: { url: "http://x", verb: GET }\n');
  assert.equal(unknown.code, 'FW_ERR_TOPOLOGY_INVALID');
  assert.match(unknown.message, /steps\[2\]\.http unknown key 'verb'/);
});

test('a window after an async step in the same stage is refused; a keyBy between them is fine', async () => {
  const window = '  - id: counts\n    op: window\n    assigner: { type: tumbling, size: 10s }\n    aggregate: { type: count }\n';
  const err = await loadError(`  - id: call\n    op: async\n    http: { url: "http://x" }\n${window}`);
  assert.equal(err.code, 'FW_ERR_GRAPH_INVALID');
  assert.equal(err.place.stepId, 'counts');
  assert.match(err.message, /a window step cannot read from async step 'call' in the same stage/);
  assert.match(err.hint ?? '', /put a keyBy between 'call' and 'counts'/);
  const dir = topologyDir(`  - id: call\n    op: async\n    http: { url: "http://x" }\n  - id: again\n    op: keyBy\n    field: user\n${window}`);
  try {
    await loadTopology(join(dir, 'topology.yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a user client from ./file.js#export: the record's id as idempotency key, retried unless retryable is false", { timeout: 120_000 }, async () => {
  const client = `export async function call(record, { idempotencyKey, attempt }) {
  if (record.n % 5 === 0) throw Object.assign(new Error('no account for ' + record.user), { retryable: false });
  if (record.n % 2 === 0 && attempt < 2) throw new Error('busy');
  return { key: idempotencyKey, attempt };
}
`;
  const input = Array.from({ length: 40 }, (_, n) => ({ user: `u${n % 3}`, ts: 1_000 + n, n }));
  const dir = topologyDir(
    '  - id: call\n    op: async\n    onError: deadLetter\n    client: ./client.js#call\n    backoff: { initial: 1ms, max: 1ms }\n    circuitBreaker: { failures: 1000 }\n',
    {
      'client.js': client,
      'in.jsonl': input.map((r) => JSON.stringify(r)).join('\n') + '\n',
    },
  );
  try {
    const { graph, runtime } = await loadTopology(join(dir, 'topology.yaml'));
    await new JobRunner({
      job: { kind: 'topology', file: join(dir, 'topology.yaml') },
      graph,
      stateDir: runtime.stateDir,
      workers: 1,
      slots: 2,
      baseDir: dir,
    }).run();
    const read = (f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { value: unknown }).value);
    // A file source's offsets are the byte positions of its lines.
    const lines = input.map((r) => JSON.stringify(r));
    const offsetOf = (n: number) => lines.slice(0, n).reduce((sum, l) => sum + l.length + 1, 0);
    const out = read('out.jsonl') as Array<{ n: number; result: { key: string; attempt: number } }>;
    assert.deepEqual(
      out.map((o) => [o.n, o.result]).sort(([a], [b]) => Number(a) - Number(b)),
      input.filter((r) => r.n % 5 !== 0).map((r) => [r.n, { key: `events/0/${offsetOf(r.n)}`, attempt: r.n % 2 === 0 ? 2 : 0 }]),
      'the key is the record id (its source position); even records succeed on their third attempt',
    );
    const dead = read('dlq.jsonl') as Array<{ reason: string; record: { n: number; user: string } }>;
    assert.deepEqual(
      dead.map((d) => d.record.n).sort((a, b) => a - b),
      input.filter((r) => r.n % 5 === 0).map((r) => r.n),
    );
    for (const d of dead) assert.equal(d.reason, `FW_ERR_ASYNC_CALL call failed: no account for ${d.record.user} (1 call sent)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Authorization header (from ${VAR}) is shown as *** in the running topology', async () => {
  process.env.ASYNC_TEST_TOKEN = 'tok-5d1e8a7c';
  const dir = topologyDir(
    '  - id: call\n    op: async\n    http: { url: "http://x/y", headers: { Authorization: "Bearer ${ASYNC_TEST_TOKEN}", X-Team: growth } }\n',
  );
  try {
    const { graph, redactor } = await loadTopology(join(dir, 'topology.yaml'));
    assert.equal(
      (graph.steps.find((s) => s.id === 'call')!.config.http as { headers: Record<string, string> }).headers.Authorization,
      'Bearer tok-5d1e8a7c',
      'the header is filled from the environment',
    );
    const shown = JSON.stringify(topologyOf(planGraph(graph), redactor));
    assert.equal(shown.includes('tok-5d1e8a7c'), false);
    assert.match(shown, /"headers":\{"Authorization":"\*\*\*","X-Team":"growth"\}/);
  } finally {
    delete process.env.ASYNC_TEST_TOKEN;
    rmSync(dir, { recursive: true, force: true });
  }
});
