/**
 * The copy step: an async step with the chat client and a fallback, through the real runner (YAML topology, worker
 * thread, LMDB) against a fake OpenAI-compatible chat-completions service on a real port. Per record the service is
 * slow past the timeout, fails with 500, answers 400, answers text that is not JSON, no choices, an empty text, a
 * text over maxLength, or a good text. Good answers become the record's copy; every other record gets the template
 * text, its cause marked, and exactly one record on the `fallbacks` side output; nothing is dead-lettered. The
 * prompt is filled from the record, the model named, the key sent as a Bearer token and shown as *** in the topology.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { planGraph } from '../../src/graph/planner.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { topologyOf } from '../../src/runtime/job-view.js';
import { CallServer, type Behaviour, type CallRequest } from '../harness/call-server.js';
import { keyedTopology } from '../harness/keyed-topology.js';
import { fileSinkDeliveries } from '../harness/output-payloads.js';

/** How the fake service treats a record, and the cause a fallback must name (null: the answer is the copy). */
const MODES = {
  good: null,
  slow: 'timeout',
  down: 'failed',
  refuse: 'refused',
  html: 'garbage',
  noChoices: 'garbage',
  blank: 'garbage',
  long: 'garbage',
} as const;
type Mode = keyof typeof MODES;
const MODE_NAMES = Object.keys(MODES) as Mode[];

interface Action {
  user: string;
  ts: number;
  n: number;
  mode: Mode;
  segment: string;
  offer: { coupon: number };
}

const completion = (content: string) =>
  JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] });
const promptOf = (a: Action) => `Write one line offering ${a.offer.coupon}% off to a ${a.segment} customer`;

/** Every request the fake service received. */
const received: CallRequest[] = [];

function behaviour(req: CallRequest): Behaviour {
  received.push(req);
  const prompt = (req.body as { messages: Array<{ content: string }> }).messages[0]!.content;
  const n = Number(/#(\d+)$/.exec(prompt)?.[1]);
  switch (MODE_NAMES[n % MODE_NAMES.length]) {
    case 'slow':
      return { hang: true };
    case 'down':
      return { status: 500, rawBody: '{"error":"overloaded"}' };
    case 'refuse':
      return { status: 400, rawBody: '{"error":"bad request"}' };
    case 'html':
      return { rawBody: '<html>gateway</html>' };
    case 'noChoices':
      return { rawBody: '{"choices":[]}' };
    case 'blank':
      return { rawBody: completion('   ') };
    case 'long':
      return { rawBody: completion('x'.repeat(201)) };
    default:
      return { rawBody: completion(`  Hello, ${prompt.length}  `) };
  }
}

/** The values a file sink wrote. */
function lines<T>(file: string): T[] {
  return fileSinkDeliveries(file).map((d) => (d.payload as { value: T }).value);
}

test('copy from a chat-completions endpoint, the template on timeouts, failures and garbage, each fallback counted once', { timeout: 120_000 }, async () => {
  const server = await new CallServer(behaviour, () => null).start();
  const dir = mkdtempSync(join(tmpdir(), 'fw-copy-'));
  process.env.COPY_TEST_URL = `${server.url}/v1/`;
  process.env.COPY_TEST_KEY = 'sk-test-93b1c2';
  try {
    const input: Action[] = Array.from({ length: 48 }, (_, n) => ({
      user: `u${n % 5}`,
      ts: 1_000 + n,
      n,
      mode: MODE_NAMES[n % MODE_NAMES.length]!,
      segment: n % 2 === 0 ? 'lapsing' : 'loyal',
      offer: { coupon: 5 + (n % 3) * 5 },
    }));
    writeFileSync(join(dir, 'in.jsonl'), input.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The slow calls hang for good, so any timeout catches them; 1.5 s leaves the local server's real answers room on
    // a loaded machine (at 300 ms, with 15 processes on 2 cores, a garbage answer came after a timed-out first call).
    const copyStep = `  - id: copy
    op: async
    chat:
      baseUrl: \${COPY_TEST_URL}
      model: tiny-copywriter
      apiKey: \${COPY_TEST_KEY}
      prompt: "Write one line offering {offer.coupon}% off to a {segment} customer #{n}"
      maxLength: 200
    timeout: 1500ms
    retries: 1
    backoff: { initial: 1ms, max: 5ms }
    circuitBreaker: { failures: 1000 }
    output: { into: copy }
    fallback: { template: "{offer.coupon}% off your next order" }
`;
    const fallbacksSink = '  - id: copy-fallbacks\n    op: sink\n    from: copy.fallbacks\n    connector: { type: file, path: ./fallbacks.jsonl }\n';
    writeFileSync(
      join(dir, 'topology.yaml'),
      keyedTopology({ name: 'copy', source: '{ type: file, path: ./in.jsonl }', middle: copyStep, after: fallbacksSink }),
    );
    const { graph, runtime, redactor } = await loadTopology(join(dir, 'topology.yaml'));
    const shown = JSON.stringify(topologyOf(planGraph(graph), redactor));
    assert.equal(shown.includes('sk-test-93b1c2'), false, 'the key is not shown');
    assert.match(shown, /"apiKey":"\*\*\*"/);
    await new JobRunner({
      job: { kind: 'topology', file: join(dir, 'topology.yaml') },
      graph,
      stateDir: runtime.stateDir,
      workers: 1,
      slots: runtime.slots,
      batch: runtime.batch,
      baseDir: dir,
    }).run();

    const out = lines<Action & { copy: string; copyFallback?: string }>(join(dir, 'out.jsonl'));
    assert.equal(out.length, input.length, 'every action goes on, with an answer or the fallback');
    assert.deepEqual(lines(join(dir, 'dlq.jsonl')), [], 'nothing is dead-lettered');
    for (const o of out) {
      const cause = MODES[o.mode];
      const prompt = `${promptOf(o)} #${o.n}`;
      if (cause === null) {
        assert.equal(o.copy, `Hello, ${prompt.length}`, 'the first choice, trimmed');
        assert.equal(o.copyFallback, undefined);
      } else {
        assert.equal(o.copy, `${o.offer.coupon}% off your next order`, `record ${o.n} (${o.mode}) gets the template`);
        assert.equal(o.copyFallback, cause, `record ${o.n} (${o.mode})`);
      }
    }
    const fallbacks = lines<{ recordId: string; step: string; cause: string; reason: string }>(join(dir, 'fallbacks.jsonl'));
    const expected = input.filter((a) => MODES[a.mode] !== null);
    assert.equal(fallbacks.length, expected.length, 'one counted fallback per record that fell back');
    assert.equal(new Set(fallbacks.map((f) => f.recordId)).size, expected.length);
    const byCause = (list: string[]) => Object.fromEntries([...new Set(list)].sort().map((c) => [c, list.filter((x) => x === c).length]));
    assert.deepEqual(byCause(fallbacks.map((f) => f.cause)), byCause(expected.map((a) => MODES[a.mode]!)));
    assert.ok(fallbacks.every((f) => f.step === 'copy'));
    assert.ok(fallbacks.filter((f) => f.cause === 'timeout').every((f) => /timed out after 1500 ms \(2 calls sent\)/.test(f.reason)));
    assert.ok(fallbacks.filter((f) => f.cause === 'failed').every((f) => /answered 500 \(2 calls sent\)/.test(f.reason)));
    assert.ok(
      fallbacks.filter((f) => f.cause === 'garbage').every((f) => /\(1 call sent\)$/.test(f.reason)),
      'garbage is not retried',
    );

    // What the service was sent: the model, the filled prompt, the key, the record's id as idempotency key.
    assert.equal(server.callsPerKey.size, input.length, 'one idempotency key per record');
    assert.equal(server.calls, input.length + input.filter((a) => a.mode === 'slow' || a.mode === 'down').length, 'timeouts and 500s retried once');
    const prompts = new Set(received.map((r) => (r.body as { messages: Array<{ content: string }> }).messages[0]!.content));
    assert.deepEqual([...prompts].sort(), input.map((a) => `${promptOf(a)} #${a.n}`).sort());
    for (const r of received) {
      assert.equal(r.headers.authorization, 'Bearer sk-test-93b1c2');
      assert.deepEqual(Object.keys(r.body as object), ['model', 'messages']);
      assert.equal((r.body as { model: string }).model, 'tiny-copywriter');
    }
  } finally {
    delete process.env.COPY_TEST_URL;
    delete process.env.COPY_TEST_KEY;
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
