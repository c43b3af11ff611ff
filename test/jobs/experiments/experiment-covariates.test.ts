/**
 * Per-experiment covariates: an experiment that lists its covariates takes exposures carrying only those (stage 1),
 * and stage 2 keeps moments, CUPED and the propensity model over those only; an experiment without a list (declared
 * or found in the stream) uses every configured covariate; a listed covariate that is not configured stops start-up
 * naming the option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContributionChange } from '../../../src/jobs/experiments/contribution.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { experimentEstimates, experimentUsers } from '../../../src/jobs/experiments/processors.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { seededRandom } from './stats/simulation.js';

const options: ExperimentOptions = {
  experiments: [
    { id: 'lean', covariates: ['spend'] },
    { id: 'bare', covariates: [] },
  ],
  covariates: { spend: { center: 100, scale: 50 }, vip: {} },
  metrics: [
    { metric: 'revenue', preExposure: 'spend', tau2: 100 },
    { metric: 'clicks', preExposure: 'vip', tau2: 1 },
  ],
  emitInterval: 1000,
  emit: 'reports',
};

const exposure = (userId: string, ts: number, id: string, variant: string, covariates: Record<string, unknown>) => ({
  type: 'exposure',
  userId,
  ts,
  experiment: { id, variant, randomized: true },
  covariates,
});

test('exposures carry only the covariates their experiment uses; the observation holds those only', () => {
  const h = OperatorHarness.of('process', {}, { processor: experimentUsers(options) });
  h.processElement('u', exposure('u', 10, 'lean', 'control', { spend: 80 }), 10);
  h.processElement('u', exposure('u', 20, 'bare', 'control', {}), 20);
  h.processWatermark(1000);
  const [lean, bare] = h.outputs.map((o) => o.value as ContributionChange);
  assert.deepEqual(
    Object.keys(lean!.current).filter((k) => k === 'spend' || k === 'vip'),
    ['spend'],
  );
  assert.equal(lean!.current.spend, 80);
  assert.deepEqual(
    Object.keys(bare!.current).filter((k) => k === 'spend' || k === 'vip'),
    [],
  );
  // An experiment found in the stream uses every configured covariate.
  assert.throws(
    () => h.processElement('u', exposure('u', 30, 'found', 'control', { spend: 1 }), 30),
    /exposure to experiment 'found' lacks covariate 'vip'.*carry its covariates spend, vip/s,
  );
  assert.throws(() => h.processElement('u', exposure('u', 30, 'lean', 'control', {}), 30), /exposure to experiment 'lean' lacks covariate 'spend'/);
});

test('stage 2 reports CUPED only on covariates the experiment uses, and weights observational units on them', () => {
  const random = seededRandom(8);
  const users = OperatorHarness.of('process', {}, { processor: experimentUsers(options) });
  for (let u = 0; u < 400; u++) {
    const id = `u${String(u).padStart(3, '0')}`;
    const spend = 100 + 50 * random.normal();
    const variant = u % 2 ? 't' : 'control';
    users.processElement(id, exposure(id, 10, 'lean', variant, { spend }), 10);
    users.processElement(id, { type: 'purchase', userId: id, itemId: 'i', ts: 20, price: Math.max(1, 0.5 * spend + 10 * random.normal()) }, 20);
  }
  users.processWatermark(1000);
  const estimates = OperatorHarness.of('process', {}, { processor: experimentEstimates(options) });
  for (const o of users.outputs) estimates.processElement((o.value as ContributionChange).experiment, o.value, o.timestamp);
  estimates.processWatermark(Infinity);
  const report = estimates.outputs.at(-1)!.value as ExperimentReport;
  const revenue = report.metrics.find((m) => m.metric === 'revenue')!.comparisons[0]!;
  const clicks = report.metrics.find((m) => m.metric === 'clicks')!.comparisons[0]!;
  assert.ok(revenue.cuped?.applied, 'CUPED on spend, which the experiment uses');
  assert.ok(revenue.cuped.varianceReduction > 0.5, `spend explains most of revenue: reduction ${revenue.cuped.varianceReduction}`);
  assert.equal(clicks.cuped, undefined, 'no CUPED on vip, which the experiment does not use');
});

test('a listed covariate that is not configured stops start-up, naming the option', () => {
  assert.throws(
    () => experimentEstimates({ ...options, experiments: [{ id: 'lean', covariates: ['age'] }] }),
    /FW_ERR_CONFIG_INVALID .*experiment 'lean': covariate 'age' is not configured.*with\.experiments\.0\.covariates/s,
  );
});
