/**
 * The report of one experiment as GET /experiments/:id serves it and the results topic carries it: per metric the
 * stats library's metric report (per-arm means, Welch difference and interval, relative lift, CUPED with its variance
 * reduction and difference-in-differences when the metric has a pre-exposure covariate, the complier analysis on the
 * usage flag, always-valid interval and p-value, Bayesian probability, sample-ratio check, and the observational
 * weighting estimate with its diagnostics and the fusion with the randomized one), p-values corrected across arms
 * and metrics; and per exposure cohort the difference of every arm against control per metric (novelty and decay).
 */
import type { ExperimentAccumulators, ArmMoments } from './experiment-accumulators.js';
import { experimentArms, type ExperimentArms } from './experiment-arms.js';
import { USAGE, type ExperimentSpec, type MetricSpec, type ResolvedExperimentOptions } from './experiment-options.js';
import type { AlwaysValidResult } from './stats/always-valid.js';
import type { Estimate } from './stats/estimate.js';
import { adjustAcrossMetrics, metricReport, type MetricReport, type MetricReportConfig } from './stats/report.js';
import { differenceInMeans } from './stats/welch.js';

/** Per metric, per non-control arm: the always-valid interval and p-value of the previous report (running). */
export type PreviousLooks = Record<string, Record<string, AlwaysValidResult>>;

export interface CohortReport {
  /** Start of the exposure cohort (ms). */
  cohort: number;
  counts: Record<string, number>;
  /** Per metric, per non-control arm: the difference against control (null while undefined). */
  effects: Record<string, Record<string, Estimate | null>>;
}

export interface ExperimentReport {
  experiment: string;
  /** Event time the report describes: the user contributions folded by then. */
  asOf: number;
  control: string;
  /** The declared split, or null when the split is inferred (metrics[].observedSplit). */
  declaredSplit: Record<string, number> | null;
  units: { randomized: Record<string, number>; observational: { control: number; treated: number; arm: string | null; otherArms: number } };
  conflictingExposures: number;
  metrics: MetricReport[];
  cohorts: CohortReport[];
}

function metricConfig(metric: MetricSpec, spec: ExperimentSpec, arms: ExperimentArms, options: ResolvedExperimentOptions): MetricReportConfig {
  return {
    metric: metric.name,
    controlArm: arms.control,
    arms: arms.arms,
    expectedSplit: spec.split,
    alpha: options.alpha,
    tau2: metric.tau2,
    correction: options.correction,
    usage: USAGE,
    // An experiment that does not use the metric's pre-exposure covariate reports it without CUPED.
    ...(metric.preExposure !== undefined && spec.covariates.includes(metric.preExposure) ? { preExposure: metric.preExposure } : {}),
    ...(metric.ratio ? { ratio: metric.ratio } : {}),
  };
}

function cohortReport(cohort: number, moments: ArmMoments, arms: ExperimentArms, options: ResolvedExperimentOptions): CohortReport {
  const treatments = arms.arms.filter((a) => a !== arms.control);
  const control = moments[arms.control];
  const effects = Object.fromEntries(
    options.metrics.map((m) => [
      m.name,
      Object.fromEntries(treatments.map((arm) => [arm, control && moments[arm] ? differenceInMeans(control, moments[arm], m.name, options.alpha) : null])),
    ]),
  );
  return { cohort, counts: Object.fromEntries(arms.arms.map((a) => [a, moments[a]?.count ?? 0])), effects };
}

/** The report as of `asOf`, and the always-valid p-values to keep for the next one. */
export function experimentReport(
  spec: ExperimentSpec,
  acc: ExperimentAccumulators,
  cohorts: ReadonlyArray<[number, ArmMoments]>,
  previous: PreviousLooks,
  asOf: number,
  options: ResolvedExperimentOptions,
): { report: ExperimentReport; looks: PreviousLooks } {
  const arms = experimentArms(spec, acc.discovered);
  const obs = acc.observational;
  const observational =
    obs && arms.observationalArm !== null
      ? { arm: arms.observationalArm, control: obs.control, treated: obs.treated, covariates: spec.covariates, weighting: options.weighting }
      : undefined;
  const perMetric = options.metrics.map((m) => metricReport(acc.arms, metricConfig(m, spec, arms, options), previous[m.name] ?? {}, observational));
  const metrics = adjustAcrossMetrics(perMetric, options.correction);
  const looks: PreviousLooks = {};
  for (const r of metrics) {
    looks[r.metric] = Object.fromEntries(r.comparisons.flatMap((c) => (c.alwaysValid ? [[c.arm, c.alwaysValid]] : [])));
  }
  return {
    report: {
      experiment: spec.id,
      asOf,
      control: arms.control,
      declaredSplit: spec.split,
      units: {
        randomized: Object.fromEntries(arms.arms.map((a) => [a, acc.arms[a]!.count])),
        observational: {
          arm: arms.observationalArm,
          control: obs?.control.raw.count ?? 0,
          treated: obs?.treated.raw.count ?? 0,
          otherArms: acc.otherObservationalUnits,
        },
      },
      conflictingExposures: acc.conflicts,
      metrics,
      cohorts: cohorts.map(([cohort, moments]) => cohortReport(cohort, moments, arms, options)),
    },
    looks,
  };
}
