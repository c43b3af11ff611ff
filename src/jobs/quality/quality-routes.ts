/**
 * Query routes of the expectations step, over its state:
 *   GET /quality            totals per expectation since the start, and the latest window reports (newest last)
 *   GET /quality/metrics    the totals in the Prometheus text format: records checked and failures per expectation,
 *                           and the PSI of each drift expectation in the latest window report
 */
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { CompiledExpectation } from './expectation-checks.js';
import { emptyCounts, qualityReport, type QualityCounts, type QualityReport } from './quality-report.js';
import { QUALITY_STATE } from './quality-step.js';

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function qualityRoutes(checks: readonly CompiledExpectation[], key: string): QueryRoutes {
  return (app, { stepId, state }) => {
    const totals = (): QualityCounts => state.value<QualityCounts>(stepId, key, QUALITY_STATE.totals) ?? emptyCounts(checks);

    app.get('/quality', async () => {
      const t = qualityReport(checks, totals(), -Infinity, Infinity);
      return { step: stepId, records: t.records, expectations: t.expectations, reports: state.value<QualityReport[]>(stepId, key, QUALITY_STATE.reports) ?? [] };
    });

    app.get('/quality/metrics', async (_req, reply) => {
      const t = totals();
      const lines = [
        '# HELP flywheel_quality_records_total Records checked by the expectations step.',
        '# TYPE flywheel_quality_records_total counter',
        `flywheel_quality_records_total{step="${label(stepId)}"} ${t.records}`,
        '# HELP flywheel_quality_failures_total Records that failed an expectation.',
        '# TYPE flywheel_quality_failures_total counter',
        ...checks.map((c, i) => `flywheel_quality_failures_total{step="${label(stepId)}",expectation="${label(c.name)}",level="${c.level}"} ${t.failed[i]}`),
      ];
      const latest = state.value<QualityReport[]>(stepId, key, QUALITY_STATE.reports)?.at(-1);
      const drifts = latest?.expectations.filter((x) => x.psi !== undefined && x.psi !== null) ?? [];
      if (drifts.length > 0) {
        lines.push('# HELP flywheel_quality_psi Population stability index of a field in the latest reported window.', '# TYPE flywheel_quality_psi gauge');
        for (const x of drifts) lines.push(`flywheel_quality_psi{step="${label(stepId)}",expectation="${label(x.name)}"} ${x.psi}`);
      }
      return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
    });
  };
}
