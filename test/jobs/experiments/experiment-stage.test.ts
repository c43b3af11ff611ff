/**
 * Stage 2 on the operator harness: replacing contributions leaves the arm moments of the final observations only,
 * per cohort too; reports come at the emit interval with running-minimum always-valid p-values; observational units
 * of the same experiment give a weighting estimate fused with the randomized one, with weights that follow the
 * variances; conflicts are counted; the same changes arriving in another order give the same reports (the online
 * propensity model learns in time and user order, not arrival order); bad options stop start-up naming the option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContributionChange, ExperimentChange, Observation } from '../../../src/jobs/experiments/contribution.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { experimentEstimates } from '../../../src/jobs/experiments/processors.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { seededRandom } from './stats/simulation.js';

const options: ExperimentOptions = {
  experiments: [{ id: 'x', control: 'c', split: { c: 1, t: 1 } }],
  covariates: { z: {} },
  metrics: [{ metric: 'revenue', preExposure: 'z', tau2: 1 }],
  emitInterval: 1000,
  cohort: 10_000,
  emit: 'reports',
};

const obs = (revenue: number, z: number, treated: 0 | 1): Observation => ({ views: 0, clicks: 0, carts: 0, purchases: 0, converted: 0, revenue, z, treated });

function change(userId: string, arm: string, previous: Observation | null, current: Observation, cohort = 0, randomized = true): ContributionChange {
  return { kind: 'contribution', experiment: 'x', userId, arm, randomized, cohort, previous, current };
}

const harness = () => OperatorHarness.of('process', {}, { processor: experimentEstimates(options) });
const reports = (h: OperatorHarness) => h.outputs.map((o) => o.value as ExperimentReport);

test('replaced contributions leave only the final observations, in the arms and in their cohorts', () => {
  const random = seededRandom(5);
  const h = harness();
  const final: Array<{ arm: string; value: number; cohort: number }> = [];
  for (let u = 0; u < 200; u++) {
    const arm = u % 2 ? 't' : 'c';
    const cohort = u < 120 ? 0 : 10_000;
    let last: Observation | null = null;
    for (let step = 0; step < 3; step++) {
      const current = obs(Math.round(random.uniform() * 1000) / 10, 1, arm === 't' ? 1 : 0);
      h.processElement('x', change(`u${u}`, arm, last, current, cohort), 500 + step * 1000);
      last = current;
    }
    final.push({ arm, value: last!.revenue!, cohort });
  }
  h.processWatermark(Infinity);
  const last = reports(h).at(-1)!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const revenue = last.metrics[0]!;
  for (const arm of ['c', 't']) {
    const values = final.filter((f) => f.arm === arm).map((f) => f.value);
    assert.equal(last.units.randomized[arm], values.length);
    assert.ok(Math.abs(revenue.arms.find((a) => a.arm === arm)!.mean! - mean(values)) < 1e-9);
  }
  assert.deepEqual(
    last.cohorts.map((c) => [c.cohort, c.counts]),
    [
      [0, { c: 60, t: 60 }],
      [10_000, { c: 40, t: 40 }],
    ],
  );
  const early = final.filter((f) => f.cohort === 0);
  const want = mean(early.filter((f) => f.arm === 't').map((f) => f.value)) - mean(early.filter((f) => f.arm === 'c').map((f) => f.value));
  assert.ok(Math.abs(last.cohorts[0]!.effects.revenue!.t!.estimate - want) < 1e-9, 'cohort effect');
});

test('reports at each emit interval after a change; the always-valid p-value is a running minimum', () => {
  const random = seededRandom(9);
  const h = harness();
  for (let step = 0; step < 6; step++) {
    for (let u = 0; u < 40; u++) {
      const arm = u % 2 ? 't' : 'c';
      // A strong effect early, then none: the per-look p-value rises again, the running minimum must not.
      const y = random.normal() + (arm === 't' && step < 2 ? 3 : 0);
      h.processElement('x', change(`u${step}-${u}`, arm, null, obs(y, 0, arm === 't' ? 1 : 0)), step * 1000 + 10);
    }
    h.processWatermark(step * 1000 + 1000);
  }
  const all = reports(h);
  assert.deepEqual(
    all.map((r) => r.asOf),
    [1000, 2000, 3000, 4000, 5000, 6000],
  );
  const p = all.map((r) => r.metrics[0]!.comparisons[0]!.alwaysValid?.pValue ?? 1);
  for (let i = 1; i < p.length; i++) assert.ok(p[i]! <= p[i - 1]!, `running minimum: ${p.join(', ')}`);
  assert.ok(p.at(-1)! < 1e-6);
});

test('observational units beside randomized ones: a weighting estimate, fused with weights that follow the variances', () => {
  const random = seededRandom(13);
  const h = harness();
  for (let u = 0; u < 2000; u++) {
    const arm = random.uniform() < 0.5 ? 't' : 'c';
    h.processElement('x', change(`r${u}`, arm, null, obs(random.normal() + (arm === 't' ? 0.5 : 0), random.normal(), arm === 't' ? 1 : 0)), 100);
  }
  for (let u = 0; u < 4000; u++) {
    // Confounded: z raises both the chance of choosing t and the outcome.
    const z = random.normal();
    const arm = random.uniform() < 1 / (1 + Math.exp(-z)) ? 't' : 'c';
    h.processElement('x', change(`o${u}`, arm, null, obs(2 * z + (arm === 't' ? 0.5 : 0) + random.normal(), z, arm === 't' ? 1 : 0), 0, false), 100);
  }
  h.processElement('x', { kind: 'conflict', experiment: 'x', userId: 'r1', arm: 'c', keptArm: 't' } satisfies ExperimentChange, 200);
  h.processWatermark(Infinity);
  const report = reports(h).at(-1)!;
  const m = report.metrics[0]!;
  assert.equal(report.conflictingExposures, 1);
  assert.equal(report.units.observational.control + report.units.observational.treated, 4000);
  const randomized = m.comparisons[0]!.difference!;
  const weighted = m.observational!.effect;
  assert.ok(m.observational!.naive!.estimate > 1.5, `naive is confounded: ${m.observational!.naive!.estimate}`);
  assert.ok(weighted.lower < 0.5 && 0.5 < weighted.upper, `weighted ${weighted.estimate} [${weighted.lower}, ${weighted.upper}]`);
  const w = m.fusion!.inverseVariance;
  const expected = 1 / randomized.standardError ** 2 / (1 / randomized.standardError ** 2 + 1 / weighted.standardError ** 2);
  assert.ok(Math.abs(w.randomizedWeight - expected) < 1e-12, 'the randomized weight is its share of the precision');
  assert.ok(Math.abs(w.estimate - (expected * randomized.estimate + (1 - expected) * weighted.estimate)) < 1e-12);
  assert.ok(w.standardError < Math.min(randomized.standardError, weighted.standardError));
});

test('the same changes in another arrival order give the same reports, observational estimate included', () => {
  const random = seededRandom(21);
  const changes: Array<[ExperimentChange, number]> = [];
  for (let u = 0; u < 600; u++) {
    const z = random.normal();
    const arm = random.uniform() < 1 / (1 + Math.exp(-z)) ? 't' : 'c';
    const first = obs(2 * z + random.normal(), z, arm === 't' ? 1 : 0);
    changes.push([change(`o${u}`, arm, null, first, 0, false), 400 + (u % 3) * 1000]);
    // Half the users change their contribution once more, later.
    if (u % 2 === 0) changes.push([change(`o${u}`, arm, first, obs(first.revenue! + random.uniform(), z, arm === 't' ? 1 : 0), 0, false), 3400]);
  }
  const run = (order: Array<[ExperimentChange, number]>) => {
    const h = harness();
    for (const [c, ts] of order) h.processElement('x', c, ts);
    h.processWatermark(Infinity);
    return reports(h);
  };
  const inOrder = run(changes);
  // Within each time, users arrive in reverse: what a different interleaving of stage 1's slots would do.
  const reversed = run(
    [...changes]
      .sort((a, b) => a[1] - b[1])
      .reverse()
      .sort((a, b) => a[1] - b[1]),
  );
  assert.ok(inOrder.at(-1)!.metrics[0]!.observational !== undefined, 'the report has an observational estimate');
  assert.deepEqual(reversed, inOrder);
});

test('bad options stop start-up, naming the option', () => {
  const bad = (patch: Partial<ExperimentOptions>) => () => experimentEstimates({ ...options, ...patch });
  assert.throws(
    bad({ experiments: [{ id: 'x', control: 'nobody', split: { c: 1, t: 1 } }] }),
    /FW_ERR_CONFIG_INVALID .*control arm 'nobody' has no split.*with\.experiments\.0\.control/s,
  );
  assert.throws(
    bad({ metrics: [{ metric: 'revenue', preExposure: 'age' }] }),
    /preExposure 'age' is not a configured covariate \(z\).*with\.metrics\.0\.preExposure/s,
  );
  assert.throws(bad({ emitInterval: 'soon' }), /"soon" is not a positive duration.*with\.emitInterval/s);
  assert.throws(
    bad({ metrics: [{ metric: 'profit' as 'revenue' }] }),
    /must be one of: views, clicks, carts, purchases, converted, revenue.*with\.metrics\.0\.metric/s,
  );
  assert.throws(bad({ experiments: [options.experiments![0]!, options.experiments![0]!] }), /experiment id 'x' is configured twice/);
});

test('an observational comparison alone: imbalance before weighting is flagged, the absent randomized side raises nothing', () => {
  const random = seededRandom(17);
  const h = harness();
  for (let u = 0; u < 3000; u++) {
    // z drives the choice (SMD of z between the arms about 0.8 before weighting) and the outcome.
    const z = random.normal();
    const arm = random.uniform() < 1 / (1 + Math.exp(-z)) ? 't' : 'c';
    h.processElement(
      'x',
      change(`o${String(u).padStart(4, '0')}`, arm, null, obs(z + (arm === 't' ? 0.5 : 0) + random.normal(), z, arm === 't' ? 1 : 0), 0, false),
      100,
    );
  }
  h.processWatermark(Infinity);
  const m = reports(h).at(-1)!.metrics[0]!;
  const before = m.observational!.balance.find((b) => b.covariate === 'z')!.before!;
  assert.ok(before > 0.1, `SMD before weighting ${before}`);
  assert.deepEqual(m.warnings.filter((w) => w.code === 'IMBALANCE_BEFORE_WEIGHTING').length, 1);
  assert.deepEqual(
    m.warnings.filter((w) => w.code === 'INSUFFICIENT_DATA'),
    [],
    'no randomized units: no randomized side to lack data',
  );
  assert.equal(m.comparisons[0]!.difference, null);
});
