/**
 * The feature routes through inject(), over the state the processors left on the operator harness: the stored
 * record served as emitted, window and field selection, batch lookups, 404 for an unseen id and 400s that say what
 * exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { itemFeatures, userFeatures, type FeatureProcessor } from '../../../src/jobs/features/processors.js';
import { buildQueryApp } from '../../../src/query/app.js';
import type { OperatorHarness } from '../../harness/operator-harness.js';
import { MemoryStateReader, viewOfState } from '../../query/memory-state-reader.js';
import { drive, featureHarness, records } from './drive.js';
import { makeEvents } from './event-maker.js';

const events = makeEvents({ seed: 21, count: 600, users: 10, items: 15, categories: 4, start: Date.UTC(2026, 4, 1), meanGap: 10_000, jitter: 5_000 });

/** Copies the harness's value states (ids are key NUL name NUL 'v') into a reader under `stepId`. */
function loadState(reader: MemoryStateReader, stepId: string, h: OperatorHarness): void {
  for (const [id, entry] of h.snapshot().state) {
    const [key, name, kind] = id.split('\u0000');
    if (kind === 'v') reader.setValue(stepId, key!, name!, entry.value);
  }
}

function run(processor: FeatureProcessor, keyOf: (e: BehaviourEvent) => string | undefined): { h: OperatorHarness; last: Map<string, FeatureRecord> } {
  const h = featureHarness(processor);
  drive(h, events, { keyOf, jitter: 5_000 });
  h.processWatermark(Infinity);
  return { h, last: new Map(records(h).map((r) => [r.id, r])) };
}

const users = userFeatures({ maxBatch: 3 });
const items = itemFeatures();
const userRun = run(users, (e) => e.userId);
const itemRun = run(items, (e) => e.itemId);

function app(): FastifyInstance {
  const state = new MemoryStateReader();
  loadState(state, 'user-features', userRun.h);
  loadState(state, 'item-features', itemRun.h);
  return buildQueryApp(viewOfState(state), [
    { stepId: 'user-features', routes: users.queryRoutes },
    { stepId: 'item-features', routes: items.queryRoutes },
  ]);
}

test('a user is served as last emitted; a window flattens it; fields select', async () => {
  const a = app();
  const u0 = userRun.last.get('u0')!;
  const full = await a.inject('/features/users/u0');
  assert.equal(full.statusCode, 200);
  assert.deepEqual(full.json(), { entity: 'user', id: 'u0', asOf: u0.asOf, features: u0.features });
  assert.deepEqual(Object.keys(full.json().features.windows), ['1h', '24h', '7d', 'lifetime']);

  const day = (await a.inject('/features/users/u0?window=24h')).json();
  assert.equal(day.window, '24h');
  assert.deepEqual(day.features, { ...u0.features.current, ...u0.features.windows['24h'] });

  const some = (await a.inject('/features/users/u0?window=lifetime&fields=ctr,lastSeen,distinctItems')).json();
  assert.deepEqual(some.features, {
    lastSeen: u0.features.current.lastSeen,
    ctr: u0.features.windows.lifetime!.ctr,
    distinctItems: u0.features.windows.lifetime!.distinctItems,
  });

  const everyWindow = (await a.inject('/features/users/u0?fields=gmv')).json();
  assert.deepEqual(everyWindow.features.current, {});
  for (const [name, values] of Object.entries(u0.features.windows)) assert.deepEqual(everyWindow.features.windows[name], { gmv: values.gmv });
  await a.close();
});

test('an item is served with its price quantiles', async () => {
  const a = app();
  const [id, record] = [...itemRun.last.entries()][0]!;
  const res = (await a.inject(`/features/items/${id}?window=7d&fields=priceP50,priceP99,pricedEvents,distinctUsers`)).json();
  assert.deepEqual(res.features, {
    priceP50: record.features.current.priceP50,
    priceP99: record.features.current.priceP99,
    pricedEvents: record.features.current.pricedEvents,
    distinctUsers: record.features.windows['7d']!.distinctUsers,
  });
  assert.ok((res.features.pricedEvents as number) > 0);
  await a.close();
});

test('an id the step has not seen is a 404 with a message', async () => {
  const a = app();
  const res = await a.inject('/features/users/nobody');
  assert.equal(res.statusCode, 404);
  assert.match(res.json().message, /no features for user 'nobody': step 'user-features' has not seen it/);
  assert.equal((await a.inject('/features/items/u0')).statusCode, 404, 'users and items are apart');
  await a.close();
});

test('bad windows, fields and ids are 400s that say what exists', async () => {
  const a = app();
  const cases: Array<[string, RegExp]> = [
    ['/features/users/u0?window=2h', /^querystring\/window must be one of: 1h, 24h, 7d, lifetime$/],
    ['/features/users/u0?fields=ctr,bogus', /^unknown feature bogus; a user has: firstSeen, lastSeen, .*distinctCategories$/],
    ['/features/users/u0?fields=priceP50', /unknown feature priceP50/],
    ['/features/users/u0?fields=ctr;gmv', /^querystring\/fields must match pattern/],
    ['/features/users/u0?fields=', /^querystring\/fields must NOT have fewer than 1 characters$/],
    ['/features/users/u0?windw=1h', /^querystring has an unknown property 'windw'$/],
    ['/features/users/a%20b', /^params\/id must match pattern/],
    [`/features/users/${'x'.repeat(257)}`, /^params\/id must NOT have more than 256 characters$/],
  ];
  for (const [url, message] of cases) {
    const res = await a.inject(url);
    assert.equal(res.statusCode, 400, url);
    assert.match(res.json().message, message, url);
  }
  await a.close();
});

test('a batch lookup answers each id, found or not, with the same selection', async () => {
  const a = app();
  const res = await a.inject({ method: 'POST', url: '/features/users:batch?window=1h&fields=view,click', payload: { ids: ['u1', 'nobody', 'u2'] } });
  assert.equal(res.statusCode, 200);
  const pick = (id: string) => {
    const r = userRun.last.get(id)!;
    return {
      found: true,
      entity: 'user',
      id,
      asOf: r.asOf,
      window: '1h',
      features: { view: r.features.windows['1h']!.view, click: r.features.windows['1h']!.click },
    };
  };
  assert.deepEqual(res.json(), { entity: 'user', window: '1h', results: [pick('u1'), { id: 'nobody', found: false }, pick('u2')] });
  await a.close();
});

test('a batch without a selection answers each whole record as the single lookup does, byte for byte', async () => {
  const a = app();
  const res = await a.inject({ method: 'POST', url: '/features/users:batch', payload: { ids: ['u1', 'nobody', 'u2'] } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const expected = {
    entity: 'user',
    results: [
      { found: true, ...userRun.last.get('u1')! },
      { id: 'nobody', found: false },
      { found: true, ...userRun.last.get('u2')! },
    ],
  };
  assert.deepEqual(res.json(), expected);
  // The same text the per-request rendering produced: key order and number formatting included.
  assert.equal(res.body, JSON.stringify(expected));
  const single = await a.inject('/features/users/u1');
  assert.equal(res.body.includes(single.body.slice(1)), true, 'a found result holds the single answer after "found":true');
  await a.close();
});

test('a batch is refused when empty, too large, or shaped wrong', async () => {
  const a = app();
  const cases: Array<[unknown, RegExp]> = [
    [{ ids: [] }, /^body\/ids must NOT have fewer than 1 items$/],
    [{ ids: ['a', 'b', 'c', 'd'] }, /^body\/ids must NOT have more than 3 items$/],
    // Numbers are keys by their decimal string (fastify's validator coerces them), but an object is no id.
    [{ ids: ['a', { id: 'b' }] }, /^body\/ids\/1 must be string$/],
    [{}, /^body needs the property 'ids'$/],
    [{ ids: ['a'], window: '1h' }, /^body has an unknown property 'window'$/],
  ];
  for (const [payload, message] of cases) {
    const res = await a.inject({ method: 'POST', url: '/features/users:batch', payload: payload as object });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.match(res.json().message, message);
  }
  await a.close();
});
