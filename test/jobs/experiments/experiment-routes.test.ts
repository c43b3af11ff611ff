/**
 * GET /experiments lists the declared experiments first (reported or not), then every experiment found in the
 * stream that has a report, from the state the step keeps per experiment; GET /experiments/:id serves either kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQueryApp } from '../../../src/query/app.js';
import { resolveExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import { experimentRoutes } from '../../../src/jobs/experiments/experiment-routes.js';
import { EXPERIMENT_STATE } from '../../../src/jobs/experiments/experiment-stage.js';
import { MemoryStateReader, viewOfState } from '../../query/memory-state-reader.js';

const STEP = 'experiments';
const report = (experiment: string, units: number) => ({ experiment, asOf: 60_000, units, metrics: [] });

function appWith(reports: ReadonlyArray<ReturnType<typeof report>>) {
  const state = new MemoryStateReader();
  for (const r of reports) state.setValue(STEP, r.experiment, EXPERIMENT_STATE.report, r);
  // Another state of the step under a key with no report: not an experiment to list.
  state.setValue(STEP, 'pending-only', 'pending', [1]);
  const options = resolveExperimentOptions({ experiments: [{ id: 'declared-b' }, { id: 'declared-a' }], metrics: [{ metric: 'converted' }] });
  return buildQueryApp(viewOfState(state), [{ stepId: STEP, routes: experimentRoutes(options) }]);
}

test('declared experiments come first in their configured order, then the ones found in the stream, in id order', async () => {
  const app = appWith([report('found-z', 7), report('declared-a', 3), report('found-c', 5)]);
  const res = await app.inject('/experiments');
  assert.equal(res.statusCode, 200);
  const body = res.json() as { experiments: Array<{ experiment: string; declared: boolean; reported: boolean; units?: number }>; truncated: boolean };
  assert.deepEqual(
    body.experiments.map((x) => [x.experiment, x.declared, x.reported, x.units ?? null]),
    [
      ['declared-b', true, false, null],
      ['declared-a', true, true, 3],
      ['found-c', false, true, 5],
      ['found-z', false, true, 7],
    ],
  );
  assert.equal(body.truncated, false);
  assert.equal((await app.inject('/experiments/found-z')).json().units, 7);
  await app.close();
});
