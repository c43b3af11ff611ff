/**
 * Ready answers over a real LMDB state directory and a real TCP port: a plain GET of a feature route is answered
 * before fastify from the answer rendered once per stored version, with the same status, headers and bytes as the
 * fastify route (reached here by an empty query string, which the fast path leaves to fastify); a new snapshot is
 * served as soon as it is stored; a missing key, a %-encoded id and a selection still take fastify's path; and the
 * per-route histogram counts both paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { keyGroupOf } from '../../src/core/key-groups.js';
import type { FeatureRecord } from '../../src/jobs/features/entity-state.js';
import { userFeatures } from '../../src/jobs/features/processors.js';
import { buildQueryApp } from '../../src/query/app.js';
import type { RuntimeView } from '../../src/query/runtime-view.js';
import { startQueryServer, type RunningServer } from '../../src/query/server.js';
import { LmdbReadyAnswers } from '../../src/runtime/lmdb-ready-answers.js';
import { closeState, openState, openStateReadOnly } from '../../src/state/backend.js';
import { valueKey } from '../../src/state/keys.js';
import { LmdbStateReader } from '../../src/state/lmdb-reader.js';

const KEY_GROUPS = 16;
const STEP = 'user-features';

function record(id: string, asOf: number, views: number): FeatureRecord {
  const window = { view: views, click: 1, ctr: 1 / views, gmv: 12.5, averageOrderValue: null };
  return {
    entity: 'user',
    id,
    asOf,
    features: {
      current: { firstSeen: 1000, lastSeen: asOf - 1, activityRate: 0.25, activityRateLong: 0.125, trend: 2 },
      windows: { '1h': window, lifetime: window },
    },
  };
}

interface Served {
  server: RunningServer;
  registry: Registry;
  store(id: string, value: FeatureRecord): Promise<void>;
  close(): Promise<void>;
}

async function serve(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-ready-routes-'));
  const writer = openState(dir);
  const store = (id: string, value: FeatureRecord) =>
    writer.state.put(valueKey(STEP, keyGroupOf(id, KEY_GROUPS), id, 'features'), [value]).then(() => undefined);
  await store('u1', record('u1', 60_000, 4));
  await store('u2', record('u2', 60_000, 9));
  const handle = openStateReadOnly(dir);
  const registry = new Registry();
  const view: RuntimeView = {
    jobName: 'features',
    live: () => true,
    readiness: () => ({ ready: true, reasons: [] }),
    topology: () => ({}),
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    registry,
    state: new LmdbStateReader(handle, KEY_GROUPS, () => 0),
    answers: new LmdbReadyAnswers(
      () => handle.state,
      KEY_GROUPS,
      () => 0,
    ),
  };
  const server = await startQueryServer(buildQueryApp(view, [{ stepId: STEP, routes: userFeatures().queryRoutes }]), 0);
  return {
    server,
    registry,
    store,
    async close() {
      await server.close();
      await handle.env.close();
      await closeState(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function get(server: RunningServer, path: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const res = await fetch(`${server.url}${path}`);
  const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
  return { status: res.status, headers, body: await res.text() };
}

/** The histogram's count for GET `route` and `status` (the text parser of the other tests drops histogram labels). */
async function countOf(registry: Registry, route: string, status: string): Promise<number> {
  const line = (await registry.metrics())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('flywheel_query_request_seconds_count{') &&
        l.includes('method="GET"') &&
        l.includes(`route="${route}"`) &&
        l.includes(`status="${status}"`),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('a plain GET is answered from the ready answer with the same status, headers and bytes as the fastify route', async () => {
  const s = await serve();
  try {
    const ready = await get(s.server, '/features/users/u1');
    const viaFastify = await get(s.server, '/features/users/u1?');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready, viaFastify);
    assert.deepEqual(JSON.parse(ready.body), record('u1', 60_000, 4));
    assert.equal(ready.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(ready.headers['content-length']), Buffer.byteLength(ready.body));
    assert.equal((await get(s.server, '/features/users/u1')).body, ready.body, 'served again from the cache');
  } finally {
    await s.close();
  }
});

test('a new snapshot is served as soon as it is stored', async () => {
  const s = await serve();
  try {
    assert.equal(JSON.parse((await get(s.server, '/features/users/u2')).body).asOf, 60_000);
    await s.store('u2', record('u2', 120_000, 11));
    const next = await get(s.server, '/features/users/u2');
    assert.deepEqual(JSON.parse(next.body), record('u2', 120_000, 11));
    assert.deepEqual(next, await get(s.server, '/features/users/u2?'));
  } finally {
    await s.close();
  }
});

test('a missing key, an encoded id and a selection take the fastify route; the histogram counts both paths', async () => {
  const s = await serve();
  try {
    const missing = await get(s.server, '/features/users/nobody');
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body).message, /no features for user 'nobody'/);
    // fastify decodes %31 to 1: the same user.
    assert.deepEqual(await get(s.server, '/features/users/u%31'), await get(s.server, '/features/users/u1'));
    const selected = JSON.parse((await get(s.server, '/features/users/u1?window=1h&fields=view')).body);
    assert.deepEqual(selected, { entity: 'user', id: 'u1', asOf: 60_000, window: '1h', features: { view: 4 } });
    const before = await countOf(s.registry, '/features/users/:id', '200');
    for (let i = 0; i < 5; i++) await get(s.server, '/features/users/u2');
    await get(s.server, '/features/users/u2?');
    assert.equal((await countOf(s.registry, '/features/users/:id', '200')) - before, 6);
    assert.equal(await countOf(s.registry, '/features/users/:id', '404'), 1);
  } finally {
    await s.close();
  }
});
