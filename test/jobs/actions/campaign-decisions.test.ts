/**
 * The campaign decision step as pure logic (the operator harness, no runtime): a user silent for inactiveFor after
 * a steady pace is scored 1 - exp(-inactiveFor / mean gap) (worked out by hand below) and, over the rules'
 * threshold, gets an action at the end of the silence naming its rollout arm; activity before the silence ends
 * moves the decision; a user below minEvents or whose score misses the threshold gets none; adjust rules apply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { campaignDecisions } from '../../../src/jobs/actions/processors.js';
import { OperatorHarness } from '../../harness/operator-harness.js';

const RULES = `inputs: [user, now]
decision:
  action: send_coupon
  threshold: 0.9
  offer: { coupon: 10, channel: email }
rules:
  - id: spender
    when: user.revenue > 100
    adjust:
      offer:
        coupon: offer.coupon * 2
`;

function harness(dir: string, inactiveFor: number): OperatorHarness {
  writeFileSync(join(dir, 'rules.yaml'), RULES);
  const processor = campaignDecisions({ rules: join(dir, 'rules.yaml'), campaign: 'c', inactiveFor, rollout: 'p2' });
  return OperatorHarness.of('process', {}, { processor });
}

const view = (userId: string, ts: number) => ({ type: 'view', userId, ts });

test('a silence of 3 mean gaps scores 1 - e^-3 = 0.9502 and decides; of 2 mean gaps (0.8647) it does not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-campaign-decisions-'));
  try {
    const h = harness(dir, 30_000);
    // u1: events at 0, 10 s, 20 s: mean gap 10 s, silent 30 s from 20 s. u2: 0, 15 s, 30 s: mean gap 15 s, 2 gaps.
    for (const ts of [0, 10_000, 20_000]) h.processElement('u1', view('u1', ts), ts);
    h.processElement('u1', { type: 'exposure', userId: 'u1', ts: 20_000, experiment: { id: 'p2', variant: 'treatment', randomized: true } }, 20_000);
    for (const ts of [0, 15_000, 30_000]) h.processElement('u2', view('u2', ts), ts);
    h.processWatermark(100_000);
    assert.equal(h.outputs.length, 1);
    const action = h.outputs[0]!.value as Record<string, unknown>;
    assert.equal(h.outputs[0]!.timestamp, 50_000, 'decided at the end of the silence');
    assert.deepEqual(
      { ...action, score: Number((action.score as number).toFixed(4)) },
      {
        actionId: 'c:u1:50000',
        userId: 'u1',
        campaign: 'c',
        channel: 'email',
        offer: { coupon: 10, channel: 'email' },
        segment: 'browser',
        score: 0.9502,
        decidedAt: 50_000,
        policyVersion: 'treatment',
        timeZone: 'UTC',
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('activity moves the decision; too few events decide nothing; a spender gets the adjusted offer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-campaign-decisions-'));
  try {
    const h = harness(dir, 30_000);
    // u3: two events only (minEvents 3): never scored.
    for (const ts of [0, 1_000]) h.processElement('u3', view('u3', ts), ts);
    // u4: a steady 1 s pace, a purchase of 150, then back at 25 s (inside the silence), so the decision moves to 55 s.
    for (const ts of [0, 1_000, 2_000]) h.processElement('u4', view('u4', ts), ts);
    h.processElement('u4', { type: 'purchase', userId: 'u4', ts: 3_000, price: 75, qty: 2 }, 3_000);
    h.processWatermark(20_000);
    h.processElement('u4', view('u4', 25_000), 25_000);
    h.processWatermark(200_000);
    assert.deepEqual(
      h.outputs.map((o) => [
        o.timestamp,
        (o.value as { userId: string }).userId,
        (o.value as { offer: { coupon: number } }).offer.coupon,
        (o.value as { segment: string }).segment,
      ]),
      [[55_000, 'u4', 20, 'buyer']],
    );
    assert.equal((h.outputs[0]!.value as { policyVersion: string }).policyVersion, 'control', 'no exposure seen: control');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
