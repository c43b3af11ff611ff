/**
 * The query app over a RuntimeView built by hand (no job, no LMDB): metrics from a real prom-client registry parsed
 * back by a real Prometheus text parser, readiness reasons, topology, contributed routes, schema messages for bad
 * input, and one request over a real TCP port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Counter, Gauge, Registry, Summary } from 'prom-client';
import { buildQueryApp } from '../../src/query/app.js';
import type { QueryRoutes, Readiness, RuntimeView } from '../../src/query/runtime-view.js';
import { startQueryServer } from '../../src/query/server.js';
import { MemoryStateReader } from './memory-state-reader.js';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; quantiles?: Record<string, string>; count?: string }>;
}

function handBuiltView(readiness: Readiness): { view: RuntimeView; state: MemoryStateReader } {
  const registry = new Registry();
  const records = new Counter({ name: 'flywheel_records_in_total', help: 'Records into a step', labelNames: ['step'], registers: [registry] });
  records.inc({ step: 'parse' }, 120);
  records.inc({ step: 'user-features' }, 117);
  new Gauge({ name: 'flywheel_watermark_ms', help: 'Watermark', registers: [registry] }).set(1_700_000_000_000);
  const latency = new Summary({ name: 'flywheel_batch_seconds', help: 'Batch latency', percentiles: [0.5, 0.99], registers: [registry] });
  for (let i = 1; i <= 100; i++) latency.observe(i / 1000);
  const state = new MemoryStateReader();
  const view: RuntimeView = {
    jobName: 'features',
    live: () => true,
    readiness: () => readiness,
    topology: () => ({ name: 'features', steps: [{ id: 'events' }, { id: 'parse' }, { id: 'user-features' }] }),
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    state,
  };
  return { view, state };
}

/** A route over value state `latest`, with a schema, to check contributions and validation messages. */
const latestRoutes: QueryRoutes = (app, { stepId, state }) => {
  app.get<{ Params: { key: string }; Querystring: { mode?: string } }>(
    `/latest/${stepId}/:key`,
    {
      schema: {
        params: { type: 'object', properties: { key: { type: 'string', maxLength: 8 } }, required: ['key'] },
        querystring: { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['full', 'short'] } } },
      },
    },
    async (req, reply) =>
      state.value(stepId, req.params.key, 'latest') ?? reply.code(404).send({ error: 'not found', message: `no value for ${req.params.key}` }),
  );
};

/** A POST route with a typed body and a query string with an integer, answering what validation made of them. */
const echoRoutes: QueryRoutes = (app, { stepId }) => {
  app.post<{ Body: { userId: string; k?: number }; Querystring: { limit?: number } }>(
    `/echo/${stepId}`,
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['userId'],
          properties: { userId: { type: 'string', minLength: 1 }, k: { type: 'integer' } },
        },
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1 } } },
      },
    },
    async (req) => ({ body: req.body, query: req.query }),
  );
};

async function withApp(readiness: Readiness, fn: (app: FastifyInstance) => Promise<void>): Promise<void> {
  const { view, state } = handBuiltView(readiness);
  state.setValue('latest-step', 'k1', 'latest', { amount: 3 });
  const app = buildQueryApp(view, [
    { stepId: 'latest-step', routes: latestRoutes },
    { stepId: 'echo-step', routes: echoRoutes },
  ]);
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

test('/metrics is Prometheus text that a real parser reads back with the registered values', async () => {
  await withApp({ ready: true, reasons: [] }, async (app) => {
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const families = new Map((parsePrometheusTextFormat(res.body) as Family[]).map((f) => [f.name, f]));
    const records = families.get('flywheel_records_in_total')!;
    assert.equal(records.type, 'COUNTER');
    assert.deepEqual(
      records.metrics.map((m) => [m.labels?.step, Number(m.value)]),
      [
        ['parse', 120],
        ['user-features', 117],
      ],
    );
    assert.equal(Number(families.get('flywheel_watermark_ms')!.metrics[0]!.value), 1_700_000_000_000);
    const latency = families.get('flywheel_batch_seconds')!;
    assert.equal(latency.type, 'SUMMARY');
    assert.equal(Number(latency.metrics[0]!.count), 100);
    // The median of 1..100 ms: prom-client's summary interpolates between 50 and 51 ms.
    assert.ok(Math.abs(Number(latency.metrics[0]!.quantiles!['0.5']) - 0.0505) <= 0.001);
  });
});

test('health, readiness with reasons, and topology', async () => {
  await withApp({ ready: false, reasons: ['restoring state of slot 3', 'broker unreachable'] }, async (app) => {
    assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok', job: 'features' });
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { ready: false, reasons: ['restoring state of slot 3', 'broker unreachable'] });
    assert.deepEqual(
      (await app.inject('/topology')).json().steps.map((s: { id: string }) => s.id),
      ['events', 'parse', 'user-features'],
    );
  });
  await withApp({ ready: true, reasons: [] }, async (app) => {
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { ready: true, reasons: [] });
  });
});

test('contributed routes answer, and bad input gets a 400 that names what is allowed', async () => {
  await withApp({ ready: true, reasons: [] }, async (app) => {
    assert.deepEqual((await app.inject('/latest/latest-step/k1')).json(), { amount: 3 });
    assert.equal((await app.inject('/latest/latest-step/k2')).statusCode, 404);
    const cases: Array<[string, string]> = [
      ['/latest/latest-step/k1?mode=long', 'querystring/mode must be one of: full, short'],
      ['/latest/latest-step/k1?mood=full', "querystring has an unknown property 'mood'"],
      ['/latest/latest-step/much-too-long', 'params/key must NOT have more than 8 characters'],
    ];
    for (const [url, message] of cases) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().message, message);
    }
    const unknown = await app.inject('/nowhere');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().message, /no route GET \/nowhere/);
  });
});

test('a body value of the wrong type is refused, not converted; the query string is read as the types it declares', async () => {
  await withApp({ ready: true, reasons: [] }, async (app) => {
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
    const numberForString = await post('/echo/echo-step', { userId: 42 });
    assert.equal(numberForString.statusCode, 400, 'userId: 42 is not turned into "42"');
    assert.equal(numberForString.json().message, 'body/userId must be string');
    const stringForInteger = await post('/echo/echo-step', { userId: 'u1', k: '10' });
    assert.equal(stringForInteger.statusCode, 400);
    assert.equal(stringForInteger.json().message, 'body/k must be integer');
    const good = await post('/echo/echo-step?limit=5', { userId: 'u1', k: 10 });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { body: { userId: 'u1', k: 10 }, query: { limit: 5 } });
  });
});

test('the server answers over a real TCP port and closes', async () => {
  const { view } = handBuiltView({ ready: true, reasons: [] });
  const server = await startQueryServer(buildQueryApp(view), 0);
  try {
    const url = new URL(server.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(Number(url.port) > 0);
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', job: 'features' });
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/healthz`), 'nothing listens after close');
});
