/**
 * Query routes of the expectations step, over its state:
 *   GET /quality            totals per expectation since the start, and the latest window reports (newest last)
 *   GET /quality/metrics    the totals in the Prometheus text format: records checked and failures per expectation
 */
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { CompiledExpectation } from './expectation-checks.js';
import { qualityReport, QUALITY_STATE, type QualityCounts, type QualityReport } from './quality-step.js';

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function qualityRoutes(checks: readonly CompiledExpectation[], key: string): QueryRoutes {
  return (app, { stepId, state }) => {
    const totals = (): QualityCounts => state.value<QualityCounts>(stepId, key, QUALITY_STATE.totals) ?? { records: 0, failed: checks.map(() => 0) };

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
      return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
    });
  };
}
