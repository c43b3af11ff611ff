/**
 * Experiments found in the stream: exposures of an experiment the options do not list are taken and reported with
 * the defaults (arms: the variants seen; control: the variant named `control`, else the first seen; split: inferred
 * from the counts, with no sample-ratio check); a listed experiment declares only what differs (a split alone brings
 * the sample-ratio check against it). The default control is fixed by the first always-valid look, and a control
 * chosen as the first variant seen counts as unused in the complier analysis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContributionChange, ExperimentChange, Observation } from '../../../src/jobs/experiments/contribution.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { experimentEstimates, experimentUsers } from '../../../src/jobs/experiments/processors.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { seededRandom } from './stats/simulation.js';

const options: ExperimentOptions = {
  experiments: [{ id: 'declared-split', split: { control: 3, t: 1 } }],
  metrics: [{ metric: 'revenue', tau2: 1 }],
  emitInterval: 1000,
  emit: 'reports',
};

const obs = (revenue: number, treated: 0 | 1 = 0): Observation => ({ views: 0, clicks: 0, carts: 0, purchases: 0, converted: 0, revenue, treated });
const change = (experiment: string, userId: string, arm: string, current: Observation): ContributionChange => ({
  kind: 'contribution',
  experiment,
  userId,
  arm,
  randomized: true,
  cohort: 0,
  previous: null,
  current,
});

function stage2(): OperatorHarness {
  return OperatorHarness.of('process', {}, { processor: experimentEstimates(options) });
}
const reportsOf = (h: OperatorHarness, id: string) => h.outputs.map((o) => o.value as ExperimentReport).filter((r) => r.experiment === id);

test('stage 1 takes exposures of experiments the options do not list, any variant', () => {
  const h = OperatorHarness.of('process', {}, { processor: experimentUsers(options) });
  h.processElement('u', { type: 'exposure', userId: 'u', ts: 10, experiment: { id: 'found', variant: 'blue', randomized: true } }, 10);
  h.processElement('u', { type: 'exposure', userId: 'u', ts: 20, experiment: { id: 'declared-split', variant: 't', randomized: true } }, 20);
  h.processWatermark(1000);
  const changes = h.outputs.map((o) => o.value as ExperimentChange);
  assert.deepEqual(
    changes.map((c) => [c.experiment, c.arm]),
    [
      ['found', 'blue'],
      ['declared-split', 't'],
    ],
  );
  // A declared split still fixes the arms.
  assert.throws(
    () => h.processElement('u', { type: 'exposure', userId: 'u', ts: 30, experiment: { id: 'declared-split', variant: 'blue', randomized: true } }, 30),
    /arm 'blue' of experiment 'declared-split', which has no such arm/,
  );
});

test('an undeclared experiment: arms as seen, the variant named control is control, the split inferred, no sample-ratio check', () => {
  const h = stage2();
  const counts = { a: 50, control: 100, b: 30 };
  let u = 0;
  for (const [arm, n] of Object.entries(counts))
    for (let i = 0; i < n; i++) h.processElement('found', change('found', `u${String(u++).padStart(4, '0')}`, arm, obs(i % 7)), 100);
  h.processWatermark(1000);
  const [report] = reportsOf(h, 'found');
  assert.equal(report!.control, 'control');
  assert.equal(report!.declaredSplit, null);
  assert.deepEqual(report!.units.randomized, counts);
  const m = report!.metrics[0]!;
  assert.equal(m.sampleRatio, null);
  assert.deepEqual(m.observedSplit, { a: 50 / 180, control: 100 / 180, b: 30 / 180 });
  assert.deepEqual(
    m.comparisons.map((c) => c.arm),
    ['a', 'b'],
  );
  assert.ok(!m.warnings.some((w) => w.code === 'SAMPLE_RATIO_MISMATCH'));
});

test('without a variant named control, the first variant seen (in time and user order) is control', () => {
  const h = stage2();
  // Arrival order b before a; applied in (time, user) order: user u0 (arm a) at time 100 comes first.
  h.processElement('x', change('x', 'u1', 'b', obs(1)), 100);
  h.processElement('x', change('x', 'u0', 'a', obs(2)), 100);
  h.processElement('x', change('x', 'u2', 'b', obs(3)), 100);
  h.processWatermark(1000);
  const [report] = reportsOf(h, 'x');
  assert.equal(report!.control, 'a');
  assert.deepEqual(Object.keys(report!.units.randomized), ['a', 'b']);
});

test('a declared split alone: control by default, sample-ratio check against the split', () => {
  const h = stage2();
  // 3:1 declared; 200 vs 200 observed is a clear mismatch (chi-square 133 on 1 df).
  for (let i = 0; i < 400; i++)
    h.processElement('declared-split', change('declared-split', `u${String(i).padStart(4, '0')}`, i % 2 ? 't' : 'control', obs(i % 5)), 100);
  h.processWatermark(1000);
  const [report] = reportsOf(h, 'declared-split');
  const m = report!.metrics[0]!;
  assert.equal(report!.control, 'control');
  assert.deepEqual(report!.declaredSplit, { control: 3, t: 1 });
  assert.ok(m.sampleRatio!.mismatch, `p ${m.sampleRatio!.pValue}`);
  assert.ok(m.warnings.some((w) => w.code === 'SAMPLE_RATIO_MISMATCH'));
});

test('the default control is provisional until the first always-valid look, then fixed', () => {
  const random = seededRandom(3);
  const early = stage2();
  early.processElement('x', change('x', 'u0', 'a', obs(1)), 100);
  early.processElement('x', change('x', 'u1', 'b', obs(1)), 100);
  early.processWatermark(1000);
  early.processElement('x', change('x', 'u2', 'control', obs(1)), 1100);
  early.processWatermark(2000);
  assert.deepEqual(
    reportsOf(early, 'x').map((r) => r.control),
    ['a', 'control'],
    'no look yet: the variant named control takes over',
  );

  const late = stage2();
  for (let i = 0; i < 80; i++) late.processElement('x', change('x', `u${String(i).padStart(3, '0')}`, i % 2 ? 'b' : 'a', obs(random.normal())), 100);
  late.processWatermark(1000);
  for (let i = 0; i < 40; i++) late.processElement('x', change('x', `v${String(i).padStart(3, '0')}`, 'control', obs(random.normal())), 1100);
  late.processWatermark(2000);
  const reports = reportsOf(late, 'x');
  assert.ok(reports[0]!.metrics[0]!.comparisons[0]!.alwaysValid, 'the first report took an always-valid look');
  assert.deepEqual(
    reports.map((r) => r.control),
    ['a', 'a'],
    'after a look the control stays',
  );
  assert.deepEqual(
    reports[1]!.metrics[0]!.comparisons.map((c) => c.arm),
    ['b', 'control'],
  );
});

test('a control chosen as the first variant seen counts as unused in the complier analysis', () => {
  const random = seededRandom(4);
  const h = stage2();
  let usedInB = 0;
  // Stage 1 marks every non-`control` variant as used unless told otherwise: here arm a (the control) too.
  for (let i = 0; i < 200; i++) {
    const arm = i % 2 ? 'b' : 'a';
    const used = (arm === 'a' ? 1 : random.bernoulli(0.6)) as 0 | 1;
    if (arm === 'b') usedInB += used;
    h.processElement('x', change('x', `u${String(i).padStart(3, '0')}`, arm, obs(random.normal() + used, used)), 100);
  }
  h.processWatermark(1000);
  const [report] = reportsOf(h, 'x');
  const b = report!.metrics[0]!.comparisons[0]!;
  assert.equal(report!.control, 'a');
  assert.ok(
    Math.abs(b.nonCompliance!.firstStage.estimate - usedInB / 100) < 1e-12,
    `first stage ${b.nonCompliance!.firstStage.estimate} is the share of b's users who used it, ${usedInB / 100}`,
  );
});
