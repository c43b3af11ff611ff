/**
 * Stage 2 of the experiment job, keyed by experiment id: applies each user's contribution change to the
 * experiment's sufficient statistics (experiment-accumulators.ts) and, once the watermark reaches the change's time
 * rounded up to a multiple of the emit interval (for stage 1's changes: their fold time T, so the report as of T
 * describes the events with ts < T), computes the report (experiment-report.ts), stores it for the query routes and
 * emits it to the results sink. The always-valid p-values are running minima over these reports (the looks).
 * State per experiment: `accumulators` (value), `cohorts` (map: cohort start -> arm moments), `propensities` (map:
 * user id -> the propensity an observational user was last weighted with), `looks` (value), `report` (value).
 */
import type { FiredTimer, KeyedProcessor, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../runtime/errors.js';
import type { ExperimentChange } from './contribution.js';
import { applyContribution, emptyAccumulators, type ArmMoments, type ExperimentAccumulators, type KeyedLookups } from './experiment-accumulators.js';
import type { ResolvedExperimentOptions } from './experiment-options.js';
import { experimentReport, type ExperimentReport, type PreviousLooks } from './experiment-report.js';

export const EXPERIMENT_STATE = { accumulators: 'accumulators', cohorts: 'cohorts', propensities: 'propensities', looks: 'looks', report: 'report' } as const;
const REPORT = 'report';
/** Cohort starts as map entry names: zero-padded so entry order is time order. */
const cohortEntry = (cohort: number): string => cohort.toString().padStart(16, '0');

export function experimentEstimates(options: ResolvedExperimentOptions): KeyedProcessor<ExperimentChange, ExperimentReport> {
  const E = options.emitInterval;

  function specOf(ctx: ProcessContext<ExperimentReport>) {
    const spec = options.experiments.get(ctx.key);
    if (!spec) throw new FlywheelError(ErrorCodes.BAD_RECORD, `a change for experiment '${ctx.key}', which is not configured`, { key: ctx.key }, 'give the experiment-estimates step the same options as the user step');
    return spec;
  }

  function onRecord(change: ExperimentChange, ctx: ProcessContext<ExperimentReport>): void {
    const spec = specOf(ctx);
    const state = ctx.state<ExperimentAccumulators>(EXPERIMENT_STATE.accumulators);
    const acc = state.get() ?? emptyAccumulators(spec, options);
    if (change.kind === 'conflict') acc.conflicts += 1;
    else {
      const propensities = ctx.mapState<number>(EXPERIMENT_STATE.propensities);
      const cohorts = ctx.mapState<ArmMoments>(EXPERIMENT_STATE.cohorts);
      const lookups: KeyedLookups = {
        propensity: (user) => propensities.get(user),
        setPropensity: (user, p) => propensities.set(user, p),
        cohort: (c) => cohorts.get(cohortEntry(c)),
        setCohort: (c, arms) => cohorts.set(cohortEntry(c), arms),
      };
      applyContribution(acc, change, spec, options, lookups);
    }
    state.set(acc);
    ctx.timers.register(Math.ceil(ctx.timestamp / E) * E, REPORT);
  }

  function onTimer(timer: FiredTimer, ctx: ProcessContext<ExperimentReport>): void {
    const spec = specOf(ctx);
    const acc = ctx.state<ExperimentAccumulators>(EXPERIMENT_STATE.accumulators).get() ?? emptyAccumulators(spec, options);
    const cohorts = ctx.mapState<ArmMoments>(EXPERIMENT_STATE.cohorts).entries().map(([name, arms]): [number, ArmMoments] => [Number(name), arms]);
    const looksState = ctx.state<PreviousLooks>(EXPERIMENT_STATE.looks);
    const { report, looks } = experimentReport(spec, acc, cohorts, looksState.get() ?? {}, timer.time, options);
    looksState.set(looks);
    ctx.state<ExperimentReport>(EXPERIMENT_STATE.report).set(report);
    ctx.emit(report, timer.time);
  }

  return { onRecord, onTimer };
}
