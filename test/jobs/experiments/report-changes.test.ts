/**
 * Reports emitted as changes (the default): stage 2 emits, per experiment and report time, a JSON merge patch of the
 * keyed report since the change before; a consumer applying them in order holds the whole report (null fields left
 * out, as merge patches do); parts that did not change (a cohort nobody in it moved) are not in the patch; a report
 * time whose report equals the last one emits nothing. Checked against the same changes run with `emit: reports`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContributionChange, Observation } from '../../../src/jobs/experiments/contribution.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { experimentEstimates } from '../../../src/jobs/experiments/processors.js';
import { applyReportChange, keyedReport, type ExperimentReportChange } from '../../../src/jobs/experiments/report-changes.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { seededRandom } from './stats/simulation.js';

const options: ExperimentOptions = {
  metrics: [
    { metric: 'revenue', tau2: 100 },
    { metric: 'clicks', tau2: 1 },
  ],
  emitInterval: 1000,
  cohort: 10_000,
};

const obs = (revenue: number, clicks: number): Observation => ({ views: 0, clicks, carts: 0, purchases: 0, converted: 0, revenue, treated: 0 });
const change = (userId: string, arm: string, cohort: number, previous: Observation | null, current: Observation): ContributionChange => ({
  kind: 'contribution',
  experiment: 'x',
  userId,
  arm,
  randomized: true,
  cohort,
  previous,
  current,
});
const withoutNulls = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_, v: unknown) => (v === null ? undefined : v)));

test('changes rebuild the reports, leave out unchanged cohorts, and are not sent when nothing changed', () => {
  const random = seededRandom(31);
  const input: Array<[ContributionChange, number]> = [];
  const last = new Map<string, Observation>();
  const send = (userId: string, arm: string, cohort: number, current: Observation, time: number) => {
    input.push([change(userId, arm, cohort, last.get(userId) ?? null, current), time]);
    last.set(userId, current);
  };
  // Interval 1: cohorts 0 and 10,000 get users. Interval 2: only cohort 10,000's users change.
  for (let u = 0; u < 80; u++) send(`u${u}`, u % 2 ? 't' : 'control', u < 40 ? 0 : 10_000, obs(50 + 10 * random.normal(), u % 3), 500);
  for (let u = 40; u < 80; u++) send(`u${u}`, u % 2 ? 't' : 'control', 10_000, obs((last.get(`u${u}`)!.revenue as number) + 5, u % 3), 1500);
  // Interval 3: a user's contribution is replaced by the same observation: the report does not change.
  input.push([change('u0', 'control', 0, last.get('u0')!, last.get('u0')!), 2500]);

  const run = (emit: 'changes' | 'reports') => {
    const h = OperatorHarness.of('process', {}, { processor: experimentEstimates({ ...options, emit }) });
    for (const [c, time] of input) h.processElement('x', c, time);
    h.processWatermark(Infinity);
    return h.outputs.map((o) => o.value);
  };
  const reports = run('reports') as ExperimentReport[];
  const changes = run('changes') as ExperimentReportChange[];
  assert.deepEqual(
    reports.map((r) => r.asOf),
    [1000, 2000, 3000],
  );
  assert.deepEqual(
    changes.map((c) => [c.asOf, c.since]),
    [
      [1000, null],
      [2000, 1000],
    ],
    'no change is sent for the report that equals the last one',
  );

  let keyed: Record<string, unknown> | undefined;
  for (const [i, c] of changes.entries()) {
    keyed = applyReportChange(keyed, c);
    assert.deepEqual(keyed, withoutNulls(keyedReport(reports[i]!)), `the report as of ${c.asOf} rebuilt from the changes`);
  }
  const second = changes[1]!.patch as { cohorts: Record<string, unknown>; metrics: Record<string, unknown> };
  assert.deepEqual(Object.keys(second.cohorts), ['10000'], 'the cohort nobody moved in is left out');
  assert.ok('revenue' in second.metrics, 'revenue changed');
  assert.equal((second.metrics.clicks as { arms?: unknown } | undefined)?.arms, undefined, 'clicks did not change: its arms are left out');
  const sizes = changes.map((c) => JSON.stringify(c).length);
  assert.ok(
    sizes[1]! < 0.7 * JSON.stringify(reports[1]).length,
    `the second change (${sizes[1]} bytes) is smaller than the whole report (${JSON.stringify(reports[1]).length})`,
  );
});
