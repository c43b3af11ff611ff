/**
 * The label contract on virtual time (operator harness): a view is positive when a response of the same user to the
 * same item has a ts in [t, t + W], in whichever order they arrive; a response after the window makes no positive;
 * a view arriving after its label time goes to `late` unlabelled; a response more than L behind the watermark still
 * labels pending views and is copied to `late`; pending labels and their timers survive a snapshot and restore;
 * churn observations are labelled by the absence of a purchase within the horizon; features are point in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { labels } from '../../../src/jobs/model/processors.js';
import type { TrainingExample } from '../../../src/jobs/model/training-example.js';
import { OperatorHarness } from '../../harness/operator-harness.js';

const W = 60_000;
const L = 10_000;
const H = 3_600_000;
const T0 = 1_767_225_600_000;

function harness(): OperatorHarness {
  const processor = labels({ labelWindow: W, allowedLateness: L, churnHorizon: H, churnObservationEvery: '1d', timerResolution: 1 });
  return OperatorHarness.of('process', {}, { processor });
}

function event(type: BehaviourEvent['type'], itemId: string, ts: number, extra: Partial<BehaviourEvent> = {}): BehaviourEvent {
  return { type, userId: 'u1', itemId, ts, category: 3, price: 20, device: 'ios', sessionId: 's1', ...extra };
}

function push(h: OperatorHarness, e: BehaviourEvent | FeatureRecord): void {
  h.processElement('u1', e, 'ts' in e ? e.ts : e.asOf);
}

const examples = (h: OperatorHarness, model = 'click') => h.outputs.map((o) => o.value as TrainingExample).filter((e) => e.model === model);

test('views are labelled by responses inside the window, in any arrival order, at t + W + L', () => {
  const h = harness();
  push(h, event('view', 'a', T0));
  push(h, event('click', 'b', T0 + 25_000)); // an early click of a view that arrives later (out of order)
  push(h, event('view', 'b', T0 + 20_000));
  push(h, event('view', 'c', T0 + 30_000));
  push(h, event('click', 'c', T0 + 30_000 + W + 1)); // one ms after c's window
  push(h, event('click', 'a', T0 + W)); // the last ms of a's window
  h.processWatermark(T0 + W + L - 1);
  assert.equal(examples(h).length, 0, 'nothing is labelled before t + W + L');
  h.processWatermark(T0 + 30_000 + W + L);
  const byItem = new Map(examples(h).map((e) => [e.itemId, e]));
  assert.equal(byItem.get('a')!.label, 1, 'click at the last ms of the window');
  assert.equal(byItem.get('b')!.label, 1, 'click that arrived before its view');
  assert.equal(byItem.get('c')!.label, 0, 'click after the window');
  assert.deepEqual(
    examples(h).map((e) => e.itemId),
    ['a', 'b', 'c'],
    'labelled in view-time order',
  );
  assert.equal(byItem.get('a')!.id, 'u1#0');
  assert.equal(h.outputs.find((o) => (o.value as TrainingExample).itemId === 'a')!.timestamp, T0 + W + L, 'emitted at its label time');
});

test('a late view goes to `late` unlabelled; a late response still labels pending views and is copied to `late`', () => {
  const h = harness();
  push(h, event('view', 'a', T0));
  h.processWatermark(T0 + 50_000);
  push(h, event('click', 'a', T0 + 30_000)); // 20 s behind the watermark: more than L
  h.processWatermark(T0 + 200_000);
  push(h, event('view', 'z', T0 + 100_000)); // its label time T0 + 170 s has passed
  h.processWatermark(T0 + 400_000);
  assert.deepEqual(
    examples(h).map((e) => [e.itemId, e.label]),
    [['a', 1]],
  );
  const late = h.sideOutput('late').map((o) => o.value as { reason: string; event: BehaviourEvent });
  assert.equal(late.length, 2);
  assert.match(late[0]!.reason, /click at \d+ arrived more than 10000 ms behind the watermark/);
  assert.match(late[1]!.reason, /view at \d+ arrived after its label time/);
  assert.equal(late[1]!.event.itemId, 'z');
});

test('pending labels and their timers survive a snapshot and restore', () => {
  const h = harness();
  push(h, event('view', 'a', T0));
  push(h, event('view', 'b', T0 + 1_000));
  h.processWatermark(T0 + 5_000);
  const saved = h.snapshot();
  const restored = harness();
  restored.restore(saved);
  push(restored, event('click', 'b', T0 + 40_000));
  restored.processWatermark(T0 + 200_000);
  assert.deepEqual(
    examples(restored).map((e) => [e.itemId, e.label]),
    [
      ['a', 0],
      ['b', 1],
    ],
  );
});

test('churn: an observation is positive when no purchase follows within the horizon', () => {
  const h = harness();
  push(h, event('view', 'a', T0)); // observation of u1 at T0
  push(h, event('purchase', 'a', T0 + H - 1)); // inside (T0, T0 + H]: not churned
  h.processWatermark(T0 + 86_400_000);
  push(h, event('view', 'b', T0 + 86_400_000 + 5)); // the next observation, a day later
  h.processWatermark(T0 + 2 * 86_400_000);
  assert.deepEqual(
    examples(h, 'churn').map((e) => [e.ts, e.label]),
    [
      [T0, 0],
      [T0 + 86_400_000 + 5, 1],
    ],
  );
  assert.equal(examples(h, 'churn')[1]!.features.boughtRecently, false, 'the purchase was more than H before');
});

test('features are point in time: the user snapshot as of the view, never a later one', () => {
  const h = harness();
  const snapshot = (asOf: number, views: number): FeatureRecord => ({
    entity: 'user',
    id: 'u1',
    asOf,
    features: { current: { activityRate: null, trend: null }, windows: { lifetime: { view: views, ctr: 0.5, purchase: 0 } } },
  });
  push(h, snapshot(T0 - 60_000, 4));
  push(h, event('view', 'a', T0));
  push(h, snapshot(T0 + 60_000, 9)); // after the view: must not be used for it
  h.processWatermark(T0 + 200_000);
  const [example] = examples(h);
  assert.equal(example!.features['user.logViews'], Math.log1p(4));
  assert.equal(example!.features.user, 'u1');
  assert.equal(example!.features.category, 'c3');
});
