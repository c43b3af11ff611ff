/** The RuntimeView of a running job, as the query endpoint sees it: health, readiness, plan, metrics, state. */
import type { Plan } from '../graph/planner.js';
import { Redactor } from '../graph/secrets.js';
import type { RuntimeView } from '../query/runtime-view.js';
import { LmdbStateReader } from '../state/lmdb-reader.js';
import { openStateReadOnly } from '../state/backend.js';
import { LmdbReadyAnswers } from './lmdb-ready-answers.js';
import type { JobRunner } from './runner.js';

/** The running plan as plain data, for GET /topology, with secret settings hidden. */
export function topologyOf(plan: Plan, redactor = new Redactor([])): unknown {
  return {
    name: plan.graph.name,
    graphHash: plan.graph.hash,
    keyGroups: plan.keyGroups,
    slots: plan.slots,
    stages: plan.stages,
    steps: plan.graph.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      from: s.inputs.map((i) => (i.port === 'main' ? i.step : `${i.step}.${i.port}`)),
      config: redactor.value(s.config),
      onError: s.onError,
    })),
  };
}

/** The view reads state through a read-only handle of its own, so it keeps answering while the job restarts. */
export function jobView(runner: JobRunner, stateDir: string): RuntimeView {
  const plan = runner.plan;
  let handle: ReturnType<typeof openStateReadOnly> | null = null;
  let reader: LmdbStateReader | null = null;
  let answers: LmdbReadyAnswers | null = null;
  return {
    jobName: plan.graph.name,
    live: () => runner.live,
    readiness: () => {
      const reasons = runner.notReadyReasons();
      return { ready: reasons.length === 0, reasons };
    },
    topology: () => topologyOf(plan),
    metrics: () => runner.metrics.text(),
    metricValues: () => runner.metrics.values(),
    deadLetters: async (query) => runner.recentDeadLetters.page(query),
    contentType: runner.metrics.contentType,
    registry: runner.metrics.registry,
    get state() {
      handle ??= openStateReadOnly(stateDir);
      reader ??= new LmdbStateReader(handle, plan.keyGroups, () => runner.watermark);
      return reader;
    },
    // The handle is opened at the first lookup, not here: the app is built before the job creates its state.
    get answers() {
      answers ??= new LmdbReadyAnswers(
        () => (handle ??= openStateReadOnly(stateDir)).state,
        plan.keyGroups,
        () => runner.watermark,
      );
      return answers;
    },
    async close() {
      await handle?.env.close();
      handle = null;
      reader = null;
      answers = null;
    },
  };
}
