/**
 * Stage 1 on the operator harness (virtual event time): outcomes count from the exposure on, changes carry the
 * previous and the new observation, one change per experiment per fold, a second arm is a conflict, usage follows
 * `used`, and exposures that do not fit the options are refused with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContributionChange, ExperimentChange } from '../../../src/jobs/experiments/contribution.js';
import { experimentUsers } from '../../../src/jobs/experiments/processors.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import { OperatorHarness } from '../../harness/operator-harness.js';

const options: ExperimentOptions = {
  experiments: [
    { id: 'x', control: 'c', split: { c: 1, t: 1 } },
    { id: 'y', control: 'c', split: { c: 1, t: 1 } },
  ],
  covariates: { spend: {}, vip: {} },
  metrics: [{ metric: 'revenue', preExposure: 'spend' }],
  emitInterval: 1000,
};

const exposure = (ts: number, id: string, variant: string, extra: Record<string, unknown> = {}) => ({
  type: 'exposure',
  userId: 'u',
  ts,
  experiment: { id, variant, randomized: true, ...extra },
  covariates: { spend: 12.5, vip: true },
});
const purchase = (ts: number, price: number, qty = 1) => ({ type: 'purchase', userId: 'u', itemId: 'i', ts, price, qty });

function harness(): OperatorHarness {
  return OperatorHarness.of('process', {}, { processor: experimentUsers(options) });
}

const changes = (h: OperatorHarness) => h.outputs.map((o) => o.value as ExperimentChange);

test('outcomes count from the exposure on; each fold sends the previous and the new observation', () => {
  const h = harness();
  h.processElement('u', purchase(100, 5), 100); // before any exposure: counts nowhere
  h.processElement('u', exposure(200, 'x', 't'), 200);
  h.processElement('u', { type: 'view', userId: 'u', itemId: 'i', ts: 300 }, 300);
  h.processElement('u', purchase(400, 2, 3), 400);
  h.processWatermark(999);
  assert.equal(h.outputs.length, 0, 'nothing before the fold time');
  h.processWatermark(1000);
  const [first] = changes(h) as ContributionChange[];
  assert.deepEqual(first, {
    kind: 'contribution',
    experiment: 'x',
    userId: 'u',
    arm: 't',
    randomized: true,
    cohort: 0,
    previous: null,
    current: { views: 1, clicks: 0, carts: 0, purchases: 1, converted: 1, revenue: 6, spend: 12.5, vip: 1, treated: 1 },
  });
  assert.equal(h.outputs[0]!.timestamp, 1000);
  h.processElement('u', purchase(1500, 4), 1500);
  h.processElement('u', purchase(1600, 1), 1600);
  h.processWatermark(2000);
  const second = changes(h)[1] as ContributionChange;
  assert.deepEqual(second.previous, first!.current);
  assert.equal(second.current.revenue, 11);
  assert.equal(second.current.purchases, 3);
  assert.equal(h.outputs.length, 2, 'one change per experiment per fold');
});

test('an exposure and events of one fold are ordered by ts, the exposure first at equal ts', () => {
  const h = harness();
  h.processElement('u', purchase(300, 7), 300);
  h.processElement('u', purchase(250, 1), 250); // out of order, before the exposure
  h.processElement('u', exposure(300, 'x', 'c'), 300);
  h.processWatermark(1000);
  const [change] = changes(h) as ContributionChange[];
  assert.equal(change!.current.revenue, 7, 'the purchase at the exposure ts counts, the earlier one does not');
  assert.equal(change!.current.treated, 0, 'control is never "treated"');
});

test('a second arm of the same experiment is a conflict; the first arm stays', () => {
  const h = harness();
  h.processElement('u', exposure(100, 'x', 't'), 100);
  h.processWatermark(1000);
  h.processElement('u', exposure(1100, 'x', 'c'), 1100);
  h.processElement('u', exposure(1200, 'x', 't'), 1200);
  h.processElement('u', purchase(1300, 3), 1300);
  h.processWatermark(2000);
  const out = changes(h);
  assert.deepEqual(
    out.filter((c) => c.kind === 'conflict'),
    [{ kind: 'conflict', experiment: 'x', userId: 'u', arm: 'c', keptArm: 't' }],
  );
  const last = out.filter((c): c is ContributionChange => c.kind === 'contribution').at(-1)!;
  assert.equal(last.arm, 't');
  assert.equal(last.current.revenue, 3);
});

test('assigned but not used: usage 0, which the complier analysis reads', () => {
  const h = harness();
  h.processElement('u', exposure(100, 'y', 't', { used: false }), 100);
  h.processWatermark(1000);
  assert.equal((changes(h)[0] as ContributionChange).current.treated, 0);
});

test('exposures that do not fit the options are refused, naming what is wrong', () => {
  const h = harness();
  assert.doesNotThrow(() => h.processElement('u', exposure(1, 'z', 'q'), 1), 'an experiment the options do not list takes any variant');
  assert.throws(() => h.processElement('u', exposure(1, 'x', 'q'), 1), /arm 'q' of experiment 'x', which has no such arm/);
  assert.throws(
    () => h.processElement('u', { ...exposure(1, 'x', 't'), covariates: { spend: 'lots', vip: true } }, 1),
    /lacks covariate 'spend' \(got "lots"\)/,
  );
});

test("a conversion window counts the events with ts before the first exposure's ts plus the window", () => {
  const h = OperatorHarness.of(
    'process',
    {},
    {
      processor: experimentUsers({
        ...options,
        metrics: [
          { metric: 'revenue', window: 500 },
          { metric: 'converted', window: '1s' },
        ],
      }),
    },
  );
  h.processElement('u', exposure(200, 'x', 't'), 200);
  h.processElement('u', purchase(699, 2), 699); // inside 500 ms
  h.processElement('u', purchase(700, 3), 700); // at exposure + 500: outside
  h.processElement('u', exposure(900, 'x', 't'), 900); // a repeated exposure does not restart the window
  h.processElement('u', purchase(1199, 5), 1199); // inside 1 s, outside 500 ms
  h.processElement('u', purchase(1200, 7), 1200); // at exposure + 1 s: outside both
  h.processWatermark(2000);
  const last = (changes(h) as ContributionChange[]).at(-1)!.current;
  assert.deepEqual(
    { revenue: last.revenue, inHalfSecond: last['revenue@500ms'], converted: last.converted, convertedInSecond: last['converted@1s'] },
    { revenue: 17, inHalfSecond: 2, converted: 1, convertedInSecond: 1 },
  );
  assert.equal(last['purchases@500ms'], undefined, 'only the windowed outcomes a metric reads are variables');
});
