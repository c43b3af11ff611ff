/**
 * Stage 2 of the experiment job, keyed by experiment id: holds each user's contribution change until the watermark
 * reaches its time rounded up to a multiple of the emit interval (for stage 1's changes: their fold time T, so the
 * report as of T describes the events with ts < T), then applies the changes due, in (time, user) order, to the
 * experiment's sufficient statistics (experiment-accumulators.ts), computes the report (experiment-report.ts),
 * stores it for the query routes and emits to the results sink what changed since the report emitted before
 * (report-changes.ts; a report that changed nothing is neither stored nor emitted), or with `emit: reports` the
 * whole report. Applying in that order, not in arrival order
 * (which depends on how stage 1's slots interleave on the threads), makes the online propensity model, and so the
 * observational estimate, the same in every run over the same events. The always-valid p-values are running minima
 * over these reports (the looks); the first look fixes an experiment's default control (experiment-arms.ts). Any
 * experiment id is taken: one the options do not list gets the defaults. State per experiment: `pending` (map: time and user -> change not yet applied),
 * `accumulators` (value), `cohorts` (map: cohort start -> arm moments), `propensities` (map: user id -> the
 * propensity an observational user was last weighted with), `looks` (value), `report` (value).
 */
import type { FiredTimer, KeyedProcessor, ProcessContext } from '../../api/types.js';
import type { ExperimentChange } from './contribution.js';
import { fixControl } from './experiment-arms.js';
import { applyContribution, emptyAccumulators, type ArmMoments, type ExperimentAccumulators, type KeyedLookups } from './experiment-accumulators.js';
import type { ResolvedExperimentOptions } from './experiment-options.js';
import { experimentReport, type ExperimentReport, type PreviousLooks } from './experiment-report.js';
import { reportChange, type ExperimentReportChange } from './report-changes.js';

export type ExperimentOutput = ExperimentReport | ExperimentReportChange;

export const EXPERIMENT_STATE = {
  pending: 'pending',
  accumulators: 'accumulators',
  cohorts: 'cohorts',
  propensities: 'propensities',
  looks: 'looks',
  report: 'report',
} as const;
const REPORT = 'report';
/** Cohort starts as map entry names: zero-padded so entry order is time order. */
const cohortEntry = (cohort: number): string => cohort.toString().padStart(16, '0');
/** Pending changes as map entry names: time (zero-padded), user, kind, so entry order is the order of application. */
const pendingEntry = (time: number, change: ExperimentChange): string => `${time.toString().padStart(16, '0')}\u0000${change.userId}\u0000${change.kind}`;
const entryTime = (name: string): number => Number(name.slice(0, 16));

export function experimentEstimates(options: ResolvedExperimentOptions): KeyedProcessor<ExperimentChange, ExperimentOutput> {
  const E = options.emitInterval;

  function onRecord(change: ExperimentChange, ctx: ProcessContext<ExperimentOutput>): void {
    const pending = ctx.mapState<ExperimentChange>(EXPERIMENT_STATE.pending);
    const name = pendingEntry(ctx.timestamp, change);
    // Stage 1 sends one change per user, experiment and fold time; a second one with the same name goes after it.
    let unique = name;
    for (let n = 1; pending.get(unique) !== undefined; n++) unique = `${name}\u0000${n}`;
    pending.set(unique, change);
    ctx.timers.register(Math.ceil(ctx.timestamp / E) * E, REPORT);
  }

  /** Applies the pending changes due at `time`, in entry (time, user) order. */
  function applyDue(time: number, ctx: ProcessContext<ExperimentOutput>): ExperimentAccumulators {
    const spec = options.specOf(ctx.key);
    const acc = ctx.state<ExperimentAccumulators>(EXPERIMENT_STATE.accumulators).get() ?? emptyAccumulators(spec);
    const pending = ctx.mapState<ExperimentChange>(EXPERIMENT_STATE.pending);
    const propensities = ctx.mapState<number>(EXPERIMENT_STATE.propensities);
    const cohorts = ctx.mapState<ArmMoments>(EXPERIMENT_STATE.cohorts);
    const lookups: KeyedLookups = {
      propensity: (user) => propensities.get(user),
      setPropensity: (user, p) => propensities.set(user, p),
      cohort: (c) => cohorts.get(cohortEntry(c)),
      setCohort: (c, arms) => cohorts.set(cohortEntry(c), arms),
    };
    for (const [name, change] of pending.entries()) {
      if (entryTime(name) > time) break;
      if (change.kind === 'conflict') acc.conflicts += 1;
      else applyContribution(acc, change, spec, options, lookups);
      pending.delete(name);
    }
    return acc;
  }

  function onTimer(timer: FiredTimer, ctx: ProcessContext<ExperimentOutput>): void {
    const spec = options.specOf(ctx.key);
    const acc = applyDue(timer.time, ctx);
    const cohorts = ctx
      .mapState<ArmMoments>(EXPERIMENT_STATE.cohorts)
      .entries()
      .map(([name, arms]): [number, ArmMoments] => [Number(name), arms]);
    const looksState = ctx.state<PreviousLooks>(EXPERIMENT_STATE.looks);
    const { report, looks } = experimentReport(spec, acc, cohorts, looksState.get() ?? {}, timer.time, options);
    if (Object.values(looks).some((arms) => Object.keys(arms).length > 0)) fixControl(spec, acc.discovered);
    ctx.state<ExperimentAccumulators>(EXPERIMENT_STATE.accumulators).set(acc);
    looksState.set(looks);
    const reportState = ctx.state<ExperimentReport>(EXPERIMENT_STATE.report);
    if (options.emit === 'reports') {
      reportState.set(report);
      ctx.emit(report, timer.time);
      return;
    }
    const change = reportChange(reportState.get(), report);
    if (!change) return;
    reportState.set(report);
    ctx.emit(change, timer.time);
  }

  return { onRecord, onTimer };
}
