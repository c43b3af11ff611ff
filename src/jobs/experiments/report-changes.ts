/**
 * Reports as changes: what stage 2 emits for an experiment at a report time is a JSON merge patch (RFC 7396, the
 * json-merge-patch package) from the report it emitted before to the new one, so the unchanged parts are left out.
 * The patch is taken over the report's keyed form, where the lists whose items have a name are objects keyed by it
 * (metrics by metric name; each metric's arms and comparisons by arm, its balance by covariate; cohorts by start),
 * so one changed arm or cohort does not resend the others; other lists (warnings) are sent whole when they change.
 * A consumer keeps the keyed report and applies each change in order (`applyReportChange`); the first change of an
 * experiment is the whole keyed report. As in any merge patch, a value that becomes null is sent as a deletion, so
 * the keyed report a consumer holds leaves out null fields.
 */
import jsonMergePatch from 'json-merge-patch';
import type { ExperimentReport } from './experiment-report.js';

export interface ExperimentReportChange {
  experiment: string;
  asOf: number;
  /** The `asOf` of the change this one applies on top of; null for the first (the whole keyed report). */
  since: number | null;
  /** JSON merge patch of the keyed report. */
  patch: Record<string, unknown>;
}

const byName = <T extends object>(items: readonly T[] | undefined | null, name: keyof T): Record<string, T> | undefined | null =>
  items ? Object.fromEntries(items.map((item) => [String(item[name]), item])) : items;

/** The report with its named lists as objects keyed by name (see above); plain JSON. */
export function keyedReport(report: ExperimentReport): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      ...report,
      metrics: Object.fromEntries(
        report.metrics.map((m) => [
          m.metric,
          {
            ...m,
            arms: byName(m.arms, 'arm'),
            comparisons: byName(m.comparisons, 'arm'),
            ...(m.observational ? { observational: { ...m.observational, balance: byName(m.observational.balance, 'covariate') } } : {}),
          },
        ]),
      ),
      cohorts: byName(report.cohorts, 'cohort'),
    }),
  ) as Record<string, unknown>;
}

/** The change from the previously emitted report (none before the first) to `current`; null when nothing changed. */
export function reportChange(previous: ExperimentReport | undefined, current: ExperimentReport): ExperimentReportChange | null {
  const { asOf, ...now } = keyedReport(current);
  const before = previous ? (({ asOf: _, ...rest }) => rest)(keyedReport(previous)) : {};
  const patch = jsonMergePatch.generate(before, now) as Record<string, unknown> | undefined;
  if (previous && patch === undefined) return null;
  return { experiment: current.experiment, asOf: asOf as number, since: previous?.asOf ?? null, patch: patch ?? now };
}

/** A consumer's keyed report after one more change (a new object; `keyed` undefined before the first change). */
export function applyReportChange(keyed: Record<string, unknown> | undefined, change: ExperimentReportChange): Record<string, unknown> {
  const base = structuredClone(keyed ?? {});
  return { ...(jsonMergePatch.apply(base, change.patch) as Record<string, unknown>), asOf: change.asOf };
}
