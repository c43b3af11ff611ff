/**
 * Item features on the operator harness: counts and GMV equal the reference, distinct users and price quantiles are
 * within their stated bounds, and a run snapshotted and restored mid-stream (a crash and replay) ends with exactly
 * the same outputs and state, t-digests included, as a run that was never interrupted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import { STATE, type FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { hllStandardError } from '../../../src/jobs/features/hyperloglog.js';
import { itemFeatures } from '../../../src/jobs/features/processors.js';
import { drive, featureHarness, records } from './drive.js';
import { makeEvents } from './event-maker.js';
import { empiricalRank, referenceTally } from './reference-features.js';

const START = Date.UTC(2026, 2, 1, 0, 0, 7);
const byItem = (e: BehaviourEvent) => e.itemId;
// Few items and many users, so popular items get large distinct-user counts (register mode) and many prices.
const events = makeEvents({ seed: 3, count: 10_000, users: 2000, items: 12, categories: 4, start: START, meanGap: 300, jitter: 20_000 });
const DELTA = 0.05;

test('item counts, GMV and distinct users match the reference; price quantiles are within the t-digest bound', () => {
  const h = featureHarness(itemFeatures({ priceQuantiles: [0.1, 0.5, 0.9, 0.99], priceCompression: DELTA }));
  drive(h, events, { keyOf: byItem, jitter: 20_000 });
  const out = records(h);
  const last = new Map<string, FeatureRecord>();
  for (const r of out) last.set(r.id, r);
  let registerMode = 0;
  for (const r of last.values()) {
    const mine = events.filter((e) => e.itemId === r.id && e.ts < r.asOf);
    const want = referenceTally(mine, r.asOf, null);
    const got = r.features.windows.lifetime!;
    for (const type of ['view', 'click', 'cart', 'purchase']) assert.equal(got[type], want.counts[type], `${r.id} ${type}`);
    assert.equal(got.gmv, want.gmv);
    // Above m/4 = 64 users the sketch uses its 256 registers: within 4 standard errors (a normal deviate beyond 4
    // has probability 6e-5); below, the set is exact.
    if (want.distinctUsers > 64) registerMode++;
    const tolerance = want.distinctUsers > 64 ? 4 * hllStandardError(8) * want.distinctUsers : 0;
    assert.ok(Math.abs(got.distinctUsers! - want.distinctUsers) <= tolerance, `${r.id}: ${got.distinctUsers} users vs ${want.distinctUsers}`);
    const prices = mine
      .filter((e) => e.price !== undefined)
      .map((e) => e.price!)
      .sort((a, b) => a - b);
    assert.equal(r.features.current.pricedEvents, prices.length);
    for (const [q, field] of [
      [0.1, 'priceP10'],
      [0.5, 'priceP50'],
      [0.9, 'priceP90'],
      [0.99, 'priceP99'],
    ] as const) {
      // A centroid at quantile q holds at most 4 n delta q (1 - q) values, so the estimate's rank is off by at most
      // that fraction, plus one value's worth for the discrete empirical rank.
      const bound = 4 * DELTA * q * (1 - q) + 1 / prices.length;
      const rank = empiricalRank(prices, r.features.current[field]!);
      assert.ok(Math.abs(rank - q) <= bound, `${r.id} ${field}: rank ${rank} vs ${q} (bound ${bound})`);
    }
  }
  assert.ok(registerMode >= 3, `several items test the register mode (${registerMode})`);
});

test('a run restored from a mid-stream snapshot ends with the same outputs and the same state, digests included', () => {
  const straight = featureHarness(itemFeatures());
  drive(straight, events, { keyOf: byItem, jitter: 20_000 });

  const half = Math.floor(events.length / 2);
  const first = featureHarness(itemFeatures());
  drive(first, events.slice(0, half), { keyOf: byItem, jitter: 20_000 });
  const before = first.outputs.length;
  const replay = featureHarness(itemFeatures());
  replay.restore(first.snapshot());
  // Watermarks resume on the same schedule: the driver moves it every 25 events, and half is a multiple of 25.
  assert.equal(half % 25, 0);
  drive(replay, events.slice(half), { keyOf: byItem, jitter: 20_000 });
  const maxTs = Math.max(...events.map((e) => e.ts));
  for (const h of [straight, replay]) h.processWatermark(maxTs + 1);

  assert.deepEqual([...first.outputs.slice(0, before), ...replay.outputs], straight.outputs);
  const digests = straight.snapshot().state.filter(([id]) => id.includes(`\u0000${STATE.prices}\u0000`));
  assert.ok(digests.length >= 10 && digests.every(([, e]) => (e.value as number[]).length > 10), 'the state holds real digests');
  assert.deepEqual(replay.snapshot(), straight.snapshot());
});
