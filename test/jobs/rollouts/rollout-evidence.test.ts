/**
 * The evidence a rollout takes from an experiment report: the treatment arm's difference and standard error per
 * guardrail and the randomized units per arm; a guardrail metric the report lacks, or another control arm, is a
 * problem named for the operator, not evidence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { reportEvidence } from '../../../src/jobs/rollouts/rollout-evidence.js';
import { resolveRolloutOptions } from '../../../src/jobs/rollouts/rollout-options.js';

const spec = resolveRolloutOptions({
  experimentStep: 'experiments',
  rollouts: [{ id: 'v2', schedule: [5, 100], guardrails: [{ metric: 'converted@7d', direction: 'increase' }] }],
}).rollouts.get('v2')!;

function report(metric: string, controlArm: string): ExperimentReport {
  const difference = { estimate: 0.012, standardError: 0.004, lower: 0, upper: 0, pValue: 0.01 };
  return {
    experiment: 'v2',
    asOf: 50_000,
    control: controlArm,
    declaredSplit: null,
    units: { randomized: { control: 900, treatment: 100 }, observational: { control: 0, treated: 0, arm: null, otherArms: 0 } },
    conflictingExposures: 0,
    cohorts: [],
    metrics: [{ metric, controlArm, comparisons: [{ arm: controlArm === 'control' ? 'treatment' : 'control', difference }] }],
  } as unknown as ExperimentReport;
}

test("a report's difference, standard error and units per arm are the rollout's evidence", () => {
  assert.deepEqual(reportEvidence(report('converted@7d', 'control'), spec), {
    asOf: 50_000,
    units: { control: 900, treatment: 100 },
    differences: { 'converted@7d': { estimate: 0.012, standardError: 0.004 } },
  });
});

test('a missing guardrail metric, or another control arm, is a problem that says what to change', () => {
  const missing = reportEvidence(report('converted', 'control'), spec);
  assert.ok('problem' in missing);
  assert.match(missing.problem, /no metric 'converted@7d' \(it has converted\)/);
  const otherControl = reportEvidence(report('converted@7d', 'treatment'), spec);
  assert.ok('problem' in otherControl);
  assert.match(otherControl.problem, /control arm is 'treatment', not 'control': declare control 'control' for experiment 'v2'/);
});
