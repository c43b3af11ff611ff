/**
 * The experiment report of one metric, as GET /experiments/:id shows it: per-arm figures, the split the counts
 * show and, when a split is declared, the sample-ratio check against it, and each arm against control (difference with Welch's t, relative lift, CUPED and
 * difference-in-differences when a pre-exposure variable is configured, a ratio metric, the complier analysis when a
 * usage variable is configured, the always-valid confidence sequence and p-value, the Bayesian posterior), with
 * p-values adjusted across arms (and, by adjustAcrossMetrics, across metrics too). An observational comparison of
 * one arm, when given, is reported with its diagnostics and fused with that arm's randomized estimate.
 * The Bayesian prior of an effect is N(0, tau^2), the same distribution that mixes the sequential test.
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';
import { alwaysValid, MIN_UNITS_PER_ARM, type AlwaysValidResult } from './always-valid.js';
import { posteriorEffect, type PosteriorEffect } from './bayesian.js';
import type { Estimate } from './estimate.js';
import { fuseEstimates, type Fusion } from './fusion.js';
import { weightingEstimate, type WeightingEstimate } from './ipw.js';
import { meanOf, varianceOf, withVariableAtZero, type Moments } from './moments.js';
import { adjustPValues, type Correction } from './multiple-testing.js';
import { complierAnalysis, type ComplierAnalysis } from './non-compliance.js';
import type { ObservationalArm, WeightingConfig } from './observational-arm.js';
import { cupedDifference, differenceInDifferences, type CupedResult } from './pre-exposure.js';
import { ratioDifference, ratioOf, type RatioMetric } from './ratio-metric.js';
import { relativeLift } from './relative-lift.js';
import { sampleRatioCheck, SAMPLE_RATIO_THRESHOLD, type SampleRatioCheck } from './sample-ratio.js';
import { differenceInMeans } from './welch.js';
import { StatsWarningCodes, type StatsWarning } from './warnings.js';

export interface MetricReportConfig {
  /** The outcome variable of the arms' moments. */
  metric: string;
  controlArm: string;
  /** The arms, control included, in report order. */
  arms: readonly string[];
  /** Declared traffic split by arm (any positive scale), or null when none is declared (no sample-ratio check). */
  expectedSplit: Readonly<Record<string, number>> | null;
  alpha: number;
  /** Mixing variance of the sequential test and prior variance of the Bayesian view, on the metric's scale squared. */
  tau2: number;
  correction: Correction;
  /** A pre-exposure variable: enables CUPED and difference-in-differences. */
  preExposure?: string;
  /** A 0/1 usage variable: enables the intent-to-treat / complier analysis. */
  usage?: string;
  /** A ratio metric over two variables of the moments. */
  ratio?: { numerator: string; denominator: string };
  sampleRatioThreshold?: number;
}

export interface ObservationalInput {
  /** The randomized arm the observational comparison estimates the same effect of. */
  arm: string;
  control: ObservationalArm;
  treated: ObservationalArm;
  covariates: readonly string[];
  weighting: WeightingConfig;
}

export interface ArmFigures {
  arm: string;
  count: number;
  mean: number | null;
  standardDeviation: number | null;
  ratio?: RatioMetric | null;
}

export interface ArmComparison {
  arm: string;
  difference: Estimate | null;
  relativeLift: Estimate | null;
  cuped?: CupedResult | null;
  differenceInDifferences?: Estimate | null;
  ratioDifference?: Estimate | null;
  nonCompliance?: ComplierAnalysis | null;
  /** Null until each arm has MIN_UNITS_PER_ARM units (see always-valid.ts). */
  alwaysValid: AlwaysValidResult | null;
  bayesian: PosteriorEffect | null;
  /** The difference's p-value after the correction across arms (and metrics). */
  adjustedPValue: number | null;
  adjustedAlwaysValidPValue: number | null;
}

export interface MetricReport {
  metric: string;
  controlArm: string;
  alpha: number;
  correction: Correction;
  arms: ArmFigures[];
  /** Each arm's share of the units: the split the counts show. */
  observedSplit: Record<string, number>;
  /** Null when no split is declared. */
  sampleRatio: SampleRatioCheck | null;
  comparisons: ArmComparison[];
  observational?: (WeightingEstimate & { arm: string }) | null;
  fusion?: Fusion | null;
  warnings: StatsWarning[];
}

function armFigures(arm: string, m: Moments, config: MetricReportConfig): ArmFigures {
  const figures: ArmFigures = {
    arm,
    count: m.count,
    mean: m.count > 0 ? meanOf(m, config.metric) : null,
    standardDeviation: m.count > 1 ? Math.sqrt(varianceOf(m, config.metric)) : null,
  };
  if (config.ratio) figures.ratio = ratioOf(m, config.ratio.numerator, config.ratio.denominator);
  return figures;
}

function compare(
  arm: string,
  control: Moments,
  treatment: Moments,
  config: MetricReportConfig,
  previousAlwaysValid: AlwaysValidResult | undefined,
  warnings: StatsWarning[],
  hasRandomizedUnits: boolean,
): ArmComparison {
  const { metric, alpha, tau2 } = config;
  const difference = differenceInMeans(control, treatment, metric, alpha);
  const lift = relativeLift(control, treatment, metric, alpha);
  // An experiment with observational units only has no randomized side to lack data.
  if (!difference && hasRandomizedUnits)
    warnings.push({
      code: StatsWarningCodes.INSUFFICIENT_DATA,
      arm,
      message: `${arm} vs ${config.controlArm}: fewer than two units in an arm, or no variation in "${metric}" yet`,
    });
  else if (!lift && meanOf(control, metric) === 0)
    warnings.push({ code: StatsWarningCodes.ZERO_CONTROL_MEAN, arm, message: `${arm}: the control mean of "${metric}" is 0, so there is no relative lift` });
  const comparison: ArmComparison = {
    arm,
    difference,
    relativeLift: lift,
    alwaysValid:
      difference && Math.min(control.count, treatment.count) >= MIN_UNITS_PER_ARM
        ? alwaysValid(difference.estimate, difference.standardError ** 2, tau2, alpha, previousAlwaysValid)
        : null,
    bayesian: difference ? posteriorEffect({ mean: 0, variance: tau2 }, difference.estimate, difference.standardError, alpha) : null,
    adjustedPValue: null,
    adjustedAlwaysValidPValue: null,
  };
  if (config.preExposure) {
    comparison.cuped = cupedDifference(control, treatment, metric, config.preExposure, alpha);
    comparison.differenceInDifferences = differenceInDifferences(control, treatment, metric, config.preExposure, alpha);
    if (comparison.cuped && !comparison.cuped.applied)
      warnings.push({
        code: StatsWarningCodes.CUPED_NOT_APPLIED,
        arm,
        message: `${arm}: "${config.preExposure}" would not reduce the variance of "${metric}", so CUPED reports the plain difference`,
      });
  }
  if (config.ratio) comparison.ratioDifference = ratioDifference(control, treatment, config.ratio.numerator, config.ratio.denominator, alpha);
  if (config.usage) {
    // Control units cannot use the treatment, whatever usage flag stage 1 gave them (contribution.ts).
    const analysis = complierAnalysis(withVariableAtZero(control, config.usage), treatment, metric, config.usage, alpha);
    comparison.nonCompliance = analysis;
    if (analysis?.weakInstrument)
      warnings.push({
        code: StatsWarningCodes.WEAK_INSTRUMENT,
        arm,
        message: `${arm}: assignment barely changes usage (first-stage F ${analysis.firstStageF.toFixed(1)} < 10); the complier effect is unreliable`,
      });
  }
  return comparison;
}

/** Fills adjusted p-values over the given comparisons together (in place). */
function adjustComparisons(comparisons: ArmComparison[], correction: Correction): void {
  const fill = (read: (c: ArmComparison) => number | undefined, write: (c: ArmComparison, p: number) => void): void => {
    const tested = comparisons.filter((c) => read(c) !== undefined);
    adjustPValues(
      tested.map((c) => read(c)!),
      correction,
    ).forEach((p, i) => write(tested[i]!, p));
  };
  fill(
    (c) => c.difference?.pValue,
    (c, p) => (c.adjustedPValue = p),
  );
  fill(
    (c) => c.alwaysValid?.pValue,
    (c, p) => (c.adjustedAlwaysValidPValue = p),
  );
}

/**
 * The report of one metric from per-arm moments. `previousAlwaysValid` holds each arm's always-valid interval and
 * p-value from the previous report (a running intersection and a running minimum); store the new ones from
 * `comparisons[].alwaysValid`.
 */
export function metricReport(
  arms: Readonly<Record<string, Moments>>,
  config: MetricReportConfig,
  previousAlwaysValid: Readonly<Record<string, AlwaysValidResult>> = {},
  observational?: ObservationalInput,
): MetricReport {
  const names = config.arms;
  const split = config.expectedSplit;
  const missing = [config.controlArm, ...names].find((name) => !arms[name] || !names.includes(name) || (split !== null && !(name in split)));
  if (missing !== undefined) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `experiment arm "${missing}" has no moments or no configured split (arms: [${Object.keys(arms).join(', ')}], split: [${Object.keys(split ?? {}).join(', ')}])`,
      {},
      'configure a split for every arm, the control arm included',
    );
  }
  const control = arms[config.controlArm]!;
  const warnings: StatsWarning[] = [];
  const total = names.reduce((t, n) => t + arms[n]!.count, 0);
  const observedSplit = Object.fromEntries(names.map((n) => [n, total === 0 ? 0 : arms[n]!.count / total]));
  const sampleRatio = split
    ? sampleRatioCheck(
        names.map((n) => arms[n]!.count),
        names.map((n) => split[n]!),
        config.sampleRatioThreshold ?? SAMPLE_RATIO_THRESHOLD,
      )
    : null;
  if (sampleRatio?.mismatch)
    warnings.push({
      code: StatsWarningCodes.SAMPLE_RATIO_MISMATCH,
      message: `units per arm [${names.map((n) => `${n}: ${arms[n]!.count}`).join(', ')}] do not match the declared split (chi-square p = ${sampleRatio.pValue.toExponential(2)}); assignment or logging is broken, so do not trust the effects`,
    });
  const comparisons = names
    .filter((n) => n !== config.controlArm)
    .map((n) => compare(n, control, arms[n]!, config, previousAlwaysValid[n], warnings, total > 0));
  adjustComparisons(comparisons, config.correction);
  const report: MetricReport = {
    metric: config.metric,
    controlArm: config.controlArm,
    alpha: config.alpha,
    correction: config.correction,
    arms: names.map((n) => armFigures(n, arms[n]!, config)),
    observedSplit,
    sampleRatio,
    comparisons,
    warnings,
  };
  if (observational) addObservational(report, observational, config);
  return report;
}

function addObservational(report: MetricReport, input: ObservationalInput, config: MetricReportConfig): void {
  const weighted = weightingEstimate(input.control, input.treated, config.metric, input.covariates, input.weighting, config.alpha);
  report.observational = weighted ? { arm: input.arm, ...weighted } : null;
  if (weighted) report.warnings.push(...weighted.warnings.map((w) => ({ ...w, message: `observational ${input.arm}: ${w.message}` })));
  const randomized = report.comparisons.find((c) => c.arm === input.arm)?.difference;
  report.fusion = weighted && randomized ? fuseEstimates(randomized, weighted.effect, { alpha: config.alpha }) : null;
  if (report.fusion) report.warnings.push(...report.fusion.warnings.map((w) => ({ ...w, arm: input.arm })));
}

/** Reports whose adjusted p-values are corrected over every arm of every metric together (new objects). */
export function adjustAcrossMetrics(reports: readonly MetricReport[], correction: Correction): MetricReport[] {
  const copies = reports.map((r) => ({ ...r, correction, comparisons: r.comparisons.map((c) => ({ ...c })) }));
  adjustComparisons(
    copies.flatMap((r) => r.comparisons),
    correction,
  );
  return copies;
}
