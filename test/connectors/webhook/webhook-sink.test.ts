/**
 * The webhook sink against a real HTTP service (node:http on a port of its own, test/harness/call-server.ts): each
 * output arrives once under its id as Idempotency-Key with its value as the body; 503s and a hung request are retried
 * until a 2xx; a receiver that stays down fails the write (FW_ERR_SINK) and readiness says why, and the next write
 * sends only what was not delivered; a 4xx refusal comes back as refused with the answer as its reason; and the rate
 * limit spreads a burst so that no one-second window holds more requests than the rate allows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SinkRecord } from '../../../src/connectors/connector.js';
import { sinkType } from '../../../src/connectors/registry.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';
import { validateAgainst } from '../../../src/graph/schema-validator.js';
import { CallServer, type Behaviour, type CallRequest } from '../../harness/call-server.js';

const records = (n: number): SinkRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: `job/out/${i}`, key: `k${i % 3}`, value: { n: i, user: `u${i}` }, timestamp: 1_000 + i }));

/** A webhook sink on `url` with the given options, defaults filled in by its schema as at load. */
function webhook(url: string, options: Record<string, unknown> = {}) {
  const type = sinkType('webhook')!;
  const o = { url: `${url}/hook`, ...options };
  assert.equal(validateAgainst(type.optionsSchema, o), null);
  return type.create(o, { jobName: 'job', baseDir: '.', stepId: 'notify' });
}

async function withServer(behaviour: (req: CallRequest) => Behaviour, run: (server: CallServer) => Promise<void>): Promise<void> {
  const server = await new CallServer(behaviour, () => ({ ok: true })).start();
  try {
    await run(server);
  } finally {
    await server.kill();
  }
}

test('each output arrives under its id as Idempotency-Key, its value as the JSON body, with the configured headers', async () => {
  const bodies = new Map<string, unknown>();
  const auth = new Set<string>();
  await withServer(
    (req) => {
      bodies.set(req.key, req.body);
      auth.add(String(req.headers.authorization));
      return {};
    },
    async (server) => {
      const sink = webhook(server.url, { headers: { Authorization: 'Bearer s3cret-token' }, concurrency: 4 });
      const out = records(40);
      assert.deepEqual(await sink.write(out), []);
      assert.deepEqual(bodies, new Map(out.map((r) => [r.id, r.value])));
      assert.deepEqual([...server.callsPerKey.values()], Array(40).fill(1), 'one request per output');
      assert.deepEqual(auth, new Set(['Bearer s3cret-token']));
      assert.ok(server.maxInFlight <= 4, `at most concurrency requests in flight (saw ${server.maxInFlight})`);
      assert.deepEqual(sink.health?.(), { ready: true });
      await sink.close();
    },
  );
});

test('503s and a request that times out are retried under the same key until the receiver answers 2xx', async () => {
  await withServer(
    (req) =>
      req.attempt === 1
        ? (req.body as { n: number }).n === 0
          ? { hang: true }
          : { status: 503 }
        : req.attempt === 2 && (req.body as { n: number }).n % 2 === 0
          ? { status: 429 }
          : {},
    async (server) => {
      const sink = webhook(server.url, { timeout: 300, retries: 3, backoff: { initial: 1, max: 5 }, circuitBreaker: { failures: 1_000 } });
      const out = records(10);
      assert.deepEqual(await sink.write(out), []);
      // Odd n: 503 then 200 (2 calls); even n: 503 (or a hang for n = 0) then 429 then 200 (3 calls).
      assert.deepEqual(
        out.map((r) => server.callsPerKey.get(r.id)),
        out.map((r) => ((r.value as { n: number }).n % 2 === 0 ? 3 : 2)),
      );
      assert.equal(server.totalEffects, 10, 'every output applied once');
      await sink.close();
    },
  );
});

test('a receiver that stays down fails the write after the last retry (FW_ERR_SINK, not ready); the next write sends only what is left', async () => {
  let down = false;
  await withServer(
    (req) => (down && (req.body as { n: number }).n >= 5 ? { status: 502 } : {}),
    async (server) => {
      const sink = webhook(server.url, { retries: 2, backoff: { initial: 1, max: 2 }, concurrency: 1, circuitBreaker: { failures: 1_000 } });
      const out = records(8);
      down = true;
      const err = await sink.write(out).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof FlywheelError && err.code === ErrorCodes.SINK, String(err));
      assert.match(err.message, /5 of 8 outputs delivered, then POST http:\/\/127\.0\.0\.1:\d+\/hook answered 502 \(3 calls sent\)/);
      const health = sink.health!();
      assert.equal(health.ready, false);
      assert.match(health.reason!, /answered 502/);
      // Concurrency 1 and the first failure stops the write: outputs 6 and 7 were never sent.
      assert.equal(server.callsPerKey.get('job/out/5'), 3, 'the first try and 2 retries');
      assert.equal(server.callsPerKey.has('job/out/6'), false);
      down = false;
      assert.deepEqual(await sink.write(out), []);
      assert.deepEqual(
        out.map((r) => server.callsPerKey.get(r.id)),
        [1, 1, 1, 1, 1, 4, 1, 1],
        'what the failed write delivered is not sent again',
      );
      assert.deepEqual(sink.health!(), { ready: true });
      await sink.close();
    },
  );
});

test('a 4xx other than 408 and 429 is a refusal: not retried, returned with the answer as the reason', async () => {
  await withServer(
    (req) => ((req.body as { n: number }).n % 4 === 1 ? { status: 422, rawBody: '{"error":"unknown user"}' } : {}),
    async (server) => {
      const sink = webhook(server.url, { retries: 3, backoff: { initial: 1, max: 1 } });
      const out = records(12);
      const refused = (await sink.write(out)) ?? [];
      assert.deepEqual(refused.map((r) => r.record.id).sort(), ['job/out/1', 'job/out/5', 'job/out/9']);
      for (const r of refused) assert.match(r.reason, /^POST http:\/\/127\.0\.0\.1:\d+\/hook answered 422: \{"error":"unknown user"\}/);
      assert.equal(server.callsPerKey.get('job/out/1'), 1, 'a refusal is not retried');
      assert.equal(server.totalEffects, 9);
      await sink.close();
    },
  );
});

/** Arrival times (ms) of requests; the most that fall in any window [t, t + 1000) that starts at an arrival. */
function busiestSecond(arrivals: readonly number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (j < arrivals.length && arrivals[j]! < arrivals[i]! + 1_000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

test('the rate limit spreads a burst: no second holds more than rate requests, retries included', async (t) => {
  const RATE = 5;
  const arrivals: number[] = [];
  await withServer(
    (req) => {
      arrivals.push(performance.now());
      // Every fifth output is answered 503 once: its retry counts against the rate as well.
      return req.attempt === 1 && (req.body as { n: number }).n % 5 === 0 ? { status: 503 } : {};
    },
    async (server) => {
      const sink = webhook(server.url, { rate: RATE, concurrency: 10, backoff: { initial: 1, max: 1 }, circuitBreaker: { failures: 1_000 } });
      assert.deepEqual(await sink.write(records(15)), []);
      await sink.close();
      assert.equal(server.calls, 18);
    },
  );
  // Requests leave at scheduled times exactly 1/RATE (200 ms) apart, the first at once. A request may arrive late
  // (a timer fires late, never early; a busy machine; the first opens the connection; seen: up to 60 ms), and a
  // second counted from a late arrival reaches one further scheduled time per interval of lateness: with up to one
  // interval (200 ms) late, one over the rate.
  const most = busiestSecond(arrivals);
  assert.ok(most <= RATE + 1, `at most ${RATE} (+1) requests in any second, saw ${most}`);
  // The spacing also bounds the whole run from below: 18 requests at 5/s are scheduled over 3.4 s; the first may
  // arrive late as above, so one interval less.
  const span = arrivals.at(-1)! - arrivals[0]!;
  assert.ok(span >= (16 * 1_000) / RATE, `spread over ${span} ms`);

  // Without a rate the same burst lands within one second: the check above can fail.
  const unlimited: number[] = [];
  await withServer(
    () => {
      unlimited.push(performance.now());
      return {};
    },
    async (server) => {
      const sink = webhook(server.url, { concurrency: 10 });
      await sink.write(records(15));
      await sink.close();
    },
  );
  assert.ok(busiestSecond(unlimited) > RATE + 1, `without a rate ${busiestSecond(unlimited)} requests share a second`);
  t.diagnostic(`rate ${RATE}/s: busiest second ${most} requests, 18 spread over ${Math.round(span)} ms; without a rate ${busiestSecond(unlimited)}`);
});

test('options: an url that is not http(s) is refused before the job starts, naming the step and never the url', async () => {
  const type = sinkType('webhook')!;
  const options = { url: 'ftp://user:pw@host/x', method: 'POST', headers: {}, concurrency: 1 };
  await assert.rejects(
    () => type.checkOptions!(options as never, { jobName: 'j', baseDir: '.', stepId: 'notify' }),
    (err: FlywheelError) => err.code === ErrorCodes.CONFIG_INVALID && err.message.includes('notify') && !err.message.includes('pw@host'),
  );
  assert.match(validateAgainst(type.optionsSchema, { url: 'http://x', rate: 0 })?.message ?? '', /must be > 0/);
  assert.match(validateAgainst(type.optionsSchema, { url: 'http://x', method: 'GET' })?.message ?? '', /must be one of: POST, PUT, PATCH/);
});
