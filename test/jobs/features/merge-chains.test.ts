/**
 * Merge-following along a chain of changes, on the operator harness: the transfer step and the feature step driven
 * as the topology wires them (identity changes fanned out by mergeMembers, records keyed by memberKey and
 * featureKey). Ids x:3 -> x:2 -> x:1 merge in turn, then x:1 expires and the component is renamed x:2, which gets
 * events again: at the end x:2 serves the reference over every event of all four phases, and x:1 and x:3 emit
 * nothing after their retirement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { featureKey, memberKey, mergeMembers, userFeatures, userFeatureTransfers } from '../../../src/jobs/features/processors.js';
import type { IdentityChangeEvent } from '../../../src/jobs/identity/identity-step.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { makeEvents } from './event-maker.js';
import { assertMatchesReference } from './reference-check.js';

const options = { windows: ['1h', '24h'] };
const START = Date.UTC(2026, 2, 1);

test('a chain of merges and a rename end with every event under the last id', () => {
  const transfers = OperatorHarness.of('process', {}, { processor: userFeatureTransfers(options) });
  const features = OperatorHarness.of('process', {}, { processor: userFeatures(options) });
  let forwarded = 0;
  const forward = () => {
    for (const o of transfers.outputs.slice(forwarded)) features.processElement(featureKey(o.value as never), o.value, o.timestamp);
    forwarded = transfers.outputs.length;
  };
  const all: BehaviourEvent[] = [];
  let watermark = START;
  const phase = (userId: string, seed: number, from: number) => {
    for (const e of makeEvents({ seed, count: 200, users: 1, items: 40, categories: 5, start: from, meanGap: 9_000, jitter: 0 })) {
      const event = { ...e, userId };
      all.push(event);
      transfers.processElement(memberKey(event), event, event.ts);
      watermark = Math.max(watermark, event.ts);
    }
    forward();
    transfers.processWatermark(watermark);
    features.processWatermark(watermark);
    return watermark + 1000;
  };
  const change = (c: IdentityChangeEvent) => {
    for (const m of mergeMembers(c)) transfers.processElement(memberKey(m), m, c.ts);
    forward();
  };
  let t = phase('x:3', 1, START);
  change({ type: 'merge', from: 'x:3', into: 'x:2', moved: ['x:3', 'c:3'], ts: t, seq: 1 });
  t = phase('x:2', 2, t);
  change({ type: 'merge', from: 'x:2', into: 'x:1', moved: ['x:2', 'x:3', 'c:3'], ts: t, seq: 2 });
  t = phase('x:1', 3, t);
  change({ type: 'expire', id: 'x:1', from: 'x:1', into: 'x:2', moved: ['x:2', 'x:3', 'c:3'], ts: t, seq: 3 });
  phase('x:2', 4, t);
  features.processWatermark(Infinity);

  const outputs = features.outputs.map((o) => o.value as FeatureRecord);
  const last = outputs.filter((r) => r.id === 'x:2').at(-1)!;
  assertMatchesReference(last, all, [['lifetime', null]]);
  assert.equal(last.features.windows.lifetime!.view, all.filter((e) => e.type === 'view').length);
  for (const [id, retiredAt] of [
    ['x:3', all[199]!.ts],
    ['x:1', all[599]!.ts],
  ] as const) {
    const after = outputs.filter((r) => r.id === id && r.asOf > retiredAt + 60_000);
    assert.deepEqual(after, [], `${id} emits nothing after its retirement`);
  }
});
