/**
 * The expectations step's readiness threshold: the job is reported not ready (GET /readyz 503) while the latest
 * window report has an expectation whose pass rate is under `minPassRate`, or, with `drift: true`, a drift
 * expectation over its PSI threshold. The reason names the step, the window and each expectation below the bar.
 */
import type { QualityReport } from './quality-report.js';

export function qualityReadinessReason(stepId: string, report: QualityReport | undefined, threshold: { minPassRate: number; drift: boolean }): string | null {
  if (report === undefined) return null;
  const below = report.expectations.flatMap((x) => {
    if (x.passRate !== null && x.passRate < threshold.minPassRate) return [`'${x.name}' passed ${(100 * x.passRate).toFixed(2)}%`];
    if (threshold.drift && x.drifted) return [`'${x.name}' drifted (PSI ${x.psi!.toFixed(3)})`];
    return [];
  });
  if (below.length === 0) return null;
  const { start, end } = report.window;
  return `data quality of step '${stepId}' in the window [${new Date(start).toISOString()}, ${new Date(end).toISOString()}) of ${report.records} records: ${below.join(', ')}; at least ${(100 * threshold.minPassRate).toFixed(2)}% must pass${threshold.drift ? ' and no drift' : ''}`;
}
