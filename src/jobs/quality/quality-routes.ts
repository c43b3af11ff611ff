/**
 * What the expectations steps of a job serve, over their state (a job may have several, one per checked step):
 *   GET /quality            every expectations step: totals per expectation since the start, latest window reports
 *   GET /quality/:step      one of them
 * and, on the job's /metrics (read from state at scrape time): records checked and failures per expectation since
 * the start, and the PSI of each drift expectation in the latest report, labelled by step. The first step to
 * contribute registers the routes and gauges; later ones join the same list. A step with a readiness threshold adds
 * a check to /readyz (quality-readiness.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { StateReader } from '../../state/reader.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { CompiledExpectation } from './expectation-checks.js';
import { emptyCounts, qualityReport, type QualityCounts, type QualityReport } from './quality-report.js';
import { qualityReadinessReason } from './quality-readiness.js';
import { QUALITY_STATE } from './quality-step.js';

interface QualityView {
  stepId: string;
  checks: readonly CompiledExpectation[];
  totals(): QualityCounts;
  reports(): QualityReport[];
}

const viewsByApp = new WeakMap<FastifyInstance, QualityView[]>();
const viewsByRegistry = new WeakMap<Registry, QualityView[]>();

function summary(v: QualityView): object {
  const t = qualityReport(v.checks, v.totals(), -Infinity, Infinity);
  return { step: v.stepId, records: t.records, expectations: t.expectations, reports: v.reports() };
}

function registerRoutes(app: FastifyInstance, views: QualityView[]): void {
  app.get('/quality', async () => ({ steps: views.map(summary) }));
  app.get<{ Params: { step: string } }>('/quality/:step', async (req, reply) => {
    const view = views.find((v) => v.stepId === req.params.step);
    if (!view)
      return reply
        .code(404)
        .send({ error: 'not found', message: `'${req.params.step}' is not an expectations step; those of this job: ${views.map((v) => v.stepId).join(', ')}` });
    return summary(view);
  });
}

function registerGauges(registry: Registry, views: QualityView[]): void {
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge, v: QualityView) => void) =>
    // Read from state: every endpoint process reads the same value, which is not a sum over them.
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      aggregator: 'first',
      collect() {
        for (const v of views) collect(this, v);
      },
    });
  gauge('flywheel_quality_records', 'Records checked by an expectations step since the start', ['step'], (g, v) =>
    g.set({ step: v.stepId }, v.totals().records),
  );
  gauge('flywheel_quality_failures', 'Records that failed an expectation since the start', ['step', 'expectation', 'level'], (g, v) => {
    const t = v.totals();
    v.checks.forEach((c, i) => g.set({ step: v.stepId, expectation: c.name, level: c.level }, t.failed[i]!));
  });
  gauge('flywheel_quality_psi', 'Population stability index of a field in the latest reported window', ['step', 'expectation'], (g, v) => {
    for (const x of v.reports().at(-1)?.expectations ?? []) if (typeof x.psi === 'number') g.set({ step: v.stepId, expectation: x.name }, x.psi);
  });
}

function qualityView(state: StateReader, stepId: string, key: string, checks: readonly CompiledExpectation[]): QualityView {
  return {
    stepId,
    checks,
    totals: () => state.value<QualityCounts>(stepId, key, QUALITY_STATE.totals) ?? emptyCounts(checks),
    reports: () => state.value<QualityReport[]>(stepId, key, QUALITY_STATE.reports) ?? [],
  };
}

/** Joins `view` to the list kept for `owner`, creating the list (and registering with `register`) on first use. */
function join<O extends object>(lists: WeakMap<O, QualityView[]>, owner: O, view: QualityView, register: (owner: O, views: QualityView[]) => void): void {
  let views = lists.get(owner);
  if (!views) {
    lists.set(owner, (views = []));
    register(owner, views);
  }
  views.push(view);
}

export function qualityRoutes(checks: readonly CompiledExpectation[], key: string, readiness?: { minPassRate: number; drift: boolean }): QueryRoutes {
  return (app, { stepId, state, registry, addReadinessCheck }) => {
    const view = qualityView(state, stepId, key, checks);
    join(viewsByApp, app, view, registerRoutes);
    if (registry) join(viewsByRegistry, registry, view, registerGauges);
    if (readiness && addReadinessCheck) addReadinessCheck(() => qualityReadinessReason(stepId, view.reports().at(-1), readiness));
  };
}
