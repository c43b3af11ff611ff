/**
 * User features on the operator harness against the plain reference: every emitted snapshot, for every window and
 * lifetime, equals the reference over the same events (exact for counts, sums and the rates derived from them;
 * within the stated bound for the distinct-count sketch); changes are coalesced per key and emit interval; windows
 * drain after a key falls silent; a late event lands in the next snapshot.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import { userFeatures } from '../../../src/jobs/features/processors.js';
import { drive, featureHarness, records } from './drive.js';
import { makeEvents } from './event-maker.js';
import { assertMatchesReference } from './reference-check.js';
import type { ReferenceWindow } from './reference-features.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 5, 7, 13);
const byUser = (e: BehaviourEvent) => e.userId;

// Default options: windows 1h, 24h, 7d of 60 buckets each (1m, 24m, 168m), snapshots every minute, p = 8.
const DEFAULT_WINDOWS: Array<[string, ReferenceWindow]> = [
  ['1h', { bucket: MINUTE, buckets: 60 }],
  ['24h', { bucket: 24 * MINUTE, buckets: 60 }],
  ['7d', { bucket: 168 * MINUTE, buckets: 60 }],
];
describe('user features against the reference', () => {
  const events = makeEvents({ seed: 7, count: 3000, users: 30, items: 80, categories: 9, start: START, meanGap: 25_000, jitter: 40_000 });
  const h = featureHarness(userFeatures());
  const lastTs = drive(h, events, { keyOf: byUser, jitter: 40_000 });
  const whileRunning = records(h);
  h.processWatermark(lastTs + 8 * DAY);
  const all = records(h);

  test('every snapshot equals the reference for every window and lifetime', () => {
    assert.ok(whileRunning.length > 500, `enough snapshots to mean something (${whileRunning.length})`);
    for (const r of all)
      assertMatchesReference(
        r,
        events.filter((e) => e.userId === r.id),
        [...DEFAULT_WINDOWS, ['lifetime', null]],
      );
  });

  test('one snapshot per key and time, each at a time an event of the key was due or a window refresh step', () => {
    const seen = new Set<string>();
    const due = new Set(events.map((e) => `${e.userId}@${(Math.floor(e.ts / MINUTE) + 1) * MINUTE}`));
    for (const r of all) {
      const id = `${r.id}@${r.asOf}`;
      assert.ok(!seen.has(id), `two snapshots of ${id}`);
      seen.add(id);
      // The refresh steps are 6m, 144m and 1008m (each window / 10): all multiples of 6m.
      assert.ok(due.has(id) || r.asOf % (6 * MINUTE) === 0, `snapshot ${id} is neither due to an event nor a refresh`);
    }
  });

  test('a silent key drains: its last snapshot has empty windows and the full lifetime', () => {
    const users = [...new Set(events.map((e) => e.userId))];
    for (const user of users) {
      const last = all.filter((r) => r.id === user).at(-1)!;
      for (const [label] of DEFAULT_WINDOWS) assert.equal(last.features.windows[label]!.view, 0, `${user} ${label}`);
      assert.equal(last.features.windows.lifetime!.exposure, 1);
      assert.equal(last.features.windows.lifetime!.view, events.filter((e) => e.userId === user && e.type === 'view').length);
    }
    assert.equal(h.pendingTimers(), 0, 'no timer is left once every window is empty');
  });
});

test('custom windows whose buckets the emit interval divides: snapshots still equal the reference', () => {
  const events = makeEvents({ seed: 11, count: 1500, users: 12, items: 40, categories: 5, start: START + 17_123, meanGap: 4_000, jitter: 9_000 });
  const h = featureHarness(userFeatures({ windows: ['5m', '45m'], bucketsPerWindow: 10, emitInterval: '30s' }));
  const lastTs = drive(h, events, { keyOf: byUser, jitter: 9_000, watermarkEvery: 7 });
  h.processWatermark(lastTs + HOUR);
  const windows: Array<[string, ReferenceWindow | null]> = [
    ['5m', { bucket: 30_000, buckets: 10 }],
    ['45m', { bucket: 270_000, buckets: 10 }],
    ['lifetime', null],
  ];
  const out = records(h);
  assert.ok(out.length > 200);
  for (const r of out)
    assertMatchesReference(
      r,
      events.filter((e) => e.userId === r.id),
      windows,
    );
});

test("an event that arrives after its key's last snapshot is counted in the next one", () => {
  const h = featureHarness(userFeatures());
  const t = START - (START % MINUTE);
  const view = (ts: number): BehaviourEvent => ({ type: 'view', userId: 'u1', itemId: 'i1', category: 1, ts });
  h.processElement('u1', view(t + 1_000), t + 1_000);
  h.processWatermark(t + 5 * MINUTE);
  h.processElement('u1', view(t + 2_000), t + 2_000);
  h.processWatermark(t + 6 * MINUTE);
  const out = records(h);
  // The first snapshot was at t + 1m, so the late event is staged for t + 2m; that timer is already due and fires
  // when the watermark next moves.
  assert.deepEqual(
    out.map((r) => [r.asOf, r.features.windows['1h']!.view, r.features.current.firstSeen]),
    [
      [t + MINUTE, 1, t + 1_000],
      [t + 2 * MINUTE, 2, t + 1_000],
    ],
  );
});

test('after the end of the input (watermark +infinity) no window refreshes are scheduled', () => {
  const h = featureHarness(userFeatures());
  h.processElement('u1', { type: 'view', userId: 'u1', itemId: 'i1', ts: START }, START);
  h.processWatermark(Infinity);
  assert.equal(records(h).length, 1);
  assert.equal(h.pendingTimers(), 0);
});

test('on a dense stream the change stream is much smaller than the input', () => {
  const events = makeEvents({ seed: 5, count: 12_000, users: 20, items: 200, categories: 9, start: START, meanGap: 1_000, jitter: 5_000 });
  const h = featureHarness(userFeatures());
  const lastTs = drive(h, events, { keyOf: byUser, jitter: 5_000, watermarkEvery: 100 });
  h.processWatermark(lastTs + 8 * DAY);
  const out = records(h);
  assert.ok(out.length < events.length / 3, `${out.length} snapshots for ${events.length} events`);
});
