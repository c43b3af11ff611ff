/**
 * The async step's call policy against a real HTTP service: the circuit breaker opens after N consecutive failed
 * calls and then refuses calls without sending them, lets one trial call through once `openFor` has passed
 * (half-open: calls arriving meanwhile wait for it), closes again when the trial succeeds and re-opens when it
 * fails. Also: a refused request (4xx) is neither retried nor held against the service.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CircuitState } from 'cockatiel';
import { callPolicy } from '../../src/operators/async-policy.js';
import { httpClient } from '../../src/operators/http-call.js';
import { CallServer, type Behaviour } from '../harness/call-server.js';

const OPEN_FOR = 300;

async function setUp(behaviour: () => Behaviour, failures = 3) {
  const server = await new CallServer(behaviour, () => ({ ok: true })).start();
  const client = httpClient({ url: `${server.url}/effects`, method: 'POST', headers: {} });
  const policy = callPolicy({ timeout: 5_000, retries: 0, backoff: { initial: 1, max: 1 }, circuitBreaker: { failures, openFor: OPEN_FOR } });
  const stop = new AbortController().signal;
  let n = 0;
  const call = () => policy.run(({ signal, attempt }) => client({ n }, { idempotencyKey: `k${n++}`, signal, attempt }), stop);
  return { server, policy, call };
}

test('open after N consecutive failures, refusing without sending; half-open after openFor; closed by a successful trial', { timeout: 60_000 }, async () => {
  let failing = true;
  const { server, policy, call } = await setUp(() => (failing ? { status: 503 } : { delayMs: 50 }));
  const transitions: string[] = [];
  policy.breaker.onStateChange((s) => transitions.push(CircuitState[s]));
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(call(), /answered 503 \(1 call sent\)/);
    assert.equal(policy.breaker.state, CircuitState.Open);
    await assert.rejects(call(), /^Error: circuit breaker open: 3 consecutive calls failed \(0 calls sent\)$/);
    assert.equal(server.calls, 3, 'the open breaker sends nothing');

    failing = false;
    // The breaker's own clock is what is tested: it stays open for OPEN_FOR ms, then lets a trial through.
    await delay(OPEN_FOR + 20);
    const results = await Promise.all([call(), call(), call()]);
    assert.deepEqual(results, [{ ok: true }, { ok: true }, { ok: true }]);
    // Keys are taken as calls are sent (the refused call sent none): the trial is k3; k4 and k5 waited for its answer.
    assert.deepEqual(server.log.slice(6, 8), ['>k3', '<k3'], 'half-open: one trial call, the others wait for it');
    assert.deepEqual(
      server.log
        .slice(8)
        .filter((e) => e.startsWith('>'))
        .sort(),
      ['>k4', '>k5'],
    );
    assert.equal(policy.breaker.state, CircuitState.Closed);
    assert.equal(server.calls, 6);
    assert.deepEqual(transitions, ['Open', 'HalfOpen', 'Closed']);
  } finally {
    await server.kill();
  }
});

test('a failed trial re-opens the breaker for another openFor', { timeout: 60_000 }, async () => {
  const { server, policy, call } = await setUp(() => ({ status: 500 }), 2);
  try {
    for (let i = 0; i < 2; i++) await assert.rejects(call(), /answered 500/);
    assert.equal(policy.breaker.state, CircuitState.Open);
    await delay(OPEN_FOR + 20);
    await assert.rejects(call(), /answered 500 \(1 call sent\)/, 'the trial is sent and fails');
    assert.equal(policy.breaker.state, CircuitState.Open);
    await assert.rejects(call(), /circuit breaker open/);
    assert.equal(server.calls, 3);
  } finally {
    await server.kill();
  }
});

test('a refused request (400) is not retried and does not count against the service', { timeout: 60_000 }, async () => {
  const server = await new CallServer(
    () => ({ status: 400, rawBody: '{"error":"no such user"}' }),
    () => null,
  ).start();
  const client = httpClient({ url: `${server.url}/effects`, method: 'POST', headers: {} });
  const policy = callPolicy({ timeout: 5_000, retries: 3, backoff: { initial: 1, max: 1 }, circuitBreaker: { failures: 1, openFor: 60_000 } });
  try {
    for (let n = 0; n < 3; n++) {
      await assert.rejects(
        policy.run(({ signal, attempt }) => client({ n }, { idempotencyKey: `k${n}`, signal, attempt }), new AbortController().signal),
        /answered 400: \{"error":"no such user"\} \(1 call sent\)$/,
      );
    }
    assert.equal(policy.breaker.state, CircuitState.Closed);
    assert.equal(server.calls, 3);
  } finally {
    await server.kill();
  }
});
