/**
 * The expectations step as a keyed process function: it checks every record against the step's expectations,
 * counts the failures per event-time window and in total, passes the record on, or, when a `mustPass` expectation
 * fails, throws a BAD_RECORD naming it (with the step's `onError: deadLetter`, the record is dead-lettered with
 * that reason; the failure is counted first). When the watermark passes a window's end plus `allowedLateness` (an
 * event-time timer) it emits the window's quality report to the side output `reports` and keeps the latest reports
 * for GET /quality.
 * The reports cover all records only if every record reaches one key: key the step with qualityKey, or place it
 * after another single-key step (the identity step) and set `key` to that key. A record arriving after its
 * window was reported counts in the next window to be reported, as the feature folds do.
 * State under the key: map `windows` (window start -> counts), values `totals`, `reports`, `reportedUntil`, and the
 * state of the record checks (record-checks.ts).
 */
import type { KeyedProcessor, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { compileExpectation, type CompiledExpectation } from './expectation-checks.js';
import type { ExpectationOptions } from './expectation-options.js';
import { addRecord, emptyCounts, qualityReport, type QualityCounts, type QualityReport } from './quality-report.js';

export const QUALITY_KEY = 'quality';
export const QUALITY_STATE = { windows: 'windows', totals: 'totals', reports: 'reports', reportedUntil: 'reportedUntil' } as const;
export const REPORTS_PORT = 'reports';
/** Reports kept for GET /quality. */
export const KEPT_REPORTS = 60;
const REPORT_TIMER = 'report';
const WINDOW_NAME_WIDTH = 16;

/** The key every record of the expectations step gets (a keyBy `fn`). */
export function qualityKey(): string {
  return QUALITY_KEY;
}

export function qualityStep(options: ExpectationOptions, key: string): { processor: KeyedProcessor<unknown, unknown>; checks: CompiledExpectation[] } {
  const checks = options.expectations.map(compileExpectation);
  const W = options.window;
  const L = options.allowedLateness;
  const drifts = checks.map((c) => c.drift?.bucket ?? null);

  function count(ctx: ProcessContext<unknown>, record: unknown, failed: readonly number[]): void {
    const reportedUntil = ctx.state<number>(QUALITY_STATE.reportedUntil).get() ?? -Infinity;
    let start = Math.floor(ctx.timestamp / W) * W;
    if (start + W <= reportedUntil) start = reportedUntil;
    const name = String(start).padStart(WINDOW_NAME_WIDTH, '0');
    const windows = ctx.mapState<QualityCounts>(QUALITY_STATE.windows);
    const window = windows.get(name) ?? emptyCounts(checks);
    const totalsState = ctx.state<QualityCounts>(QUALITY_STATE.totals);
    const totals = totalsState.get() ?? emptyCounts(checks);
    const buckets = drifts.map((bucket) => (bucket === null ? null : bucket(record)));
    addRecord(window, failed, buckets);
    addRecord(totals, failed, buckets);
    windows.set(name, window);
    totalsState.set(totals);
    ctx.timers.register(start + W + L, REPORT_TIMER);
  }

  const processor: KeyedProcessor<unknown, unknown> = {
    onRecord(record, ctx) {
      if (ctx.key !== key) {
        throw new FlywheelError(
          ErrorCodes.GRAPH_INVALID,
          `the expectations step runs under key '${ctx.key}', not '${key}': its reports would be split over keys`,
          {},
          `key the step with flywheel:jobs/quality/processors.js#qualityKey, or set with.key to the key of the single-key step before it`,
        );
      }
      const failed: number[] = [];
      checks.forEach((c, i) => c.passes(record, ctx) || failed.push(i));
      count(ctx, record, failed);
      const stop = failed.find((i) => checks[i]!.level === 'mustPass');
      if (stop !== undefined) {
        throw new FlywheelError(
          ErrorCodes.BAD_RECORD,
          `expectation '${checks[stop]!.name}' (mustPass) failed: ${checks[stop]!.describe}`,
          {},
          'fix the producer of this record; it is kept in the dead-letter sink',
        );
      }
      ctx.emit(record);
    },
    onTimer(timer, ctx) {
      const start = timer.time - L - W;
      const windows = ctx.mapState<QualityCounts>(QUALITY_STATE.windows);
      const name = String(start).padStart(WINDOW_NAME_WIDTH, '0');
      const counts = windows.get(name);
      if (counts === undefined) return;
      windows.delete(name);
      ctx.state<number>(QUALITY_STATE.reportedUntil).set(start + W);
      const report = qualityReport(checks, counts, start, start + W);
      const reports = ctx.state<QualityReport[]>(QUALITY_STATE.reports);
      reports.set([...(reports.get() ?? []), report].slice(-KEPT_REPORTS));
      ctx.sideOutput(REPORTS_PORT, report, timer.time);
    },
  };
  return { processor, checks };
}
