/**
 * Mergeable, plain-data accumulators of (prediction, label) pairs and the metrics read from them: log loss, AUC,
 * expected calibration error and the observed/expected ratio.
 *
 * AUC comes from a histogram of the predictions' logits (RANK_BINS equal bins over [-LOGIT_RANGE, LOGIT_RANGE], the
 * ends open). Binning keeps the order between bins, so every positive-negative pair in different bins is counted
 * exactly; a pair sharing a bin counts 1/2. The exact AUC (ties counted 1/2) is therefore within
 * `aucErrorBound` = (1/2) * sum_b pos_b * neg_b / (P * N) of the reported value, and the summary reports that bound.
 * With bins 0.02 wide in logit, pairs only share a bin when their predictions are within about 0.5% of each other.
 *
 * Calibration uses CALIBRATION_BINS equal-width probability bins (Naeini et al. 2015; Guo et al. 2017):
 * ECE = sum_b (n_b / n) * |mean label_b - mean prediction_b|.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

export const LOGIT_RANGE = 12;
export const RANK_BINS = 1200;
export const CALIBRATION_BINS = 10;
/** Predictions are clipped to [EPSILON, 1 - EPSILON] for the log loss, so one confident miss stays finite. */
const EPSILON = 1e-15;

export interface MetricBins {
  count: number;
  positives: number;
  predictionSum: number;
  logLossSum: number;
  /** Positives and negatives per logit bin, for AUC. */
  rankPositives: number[];
  rankNegatives: number[];
  /** Examples, summed predictions and positives per probability bin, for calibration. */
  calibrationCount: number[];
  calibrationPrediction: number[];
  calibrationPositives: number[];
}

export interface MetricSummary {
  count: number;
  /** Observed positive rate. */
  baseRate: number | null;
  meanPrediction: number | null;
  logLoss: number | null;
  /** Null until both classes have been seen. */
  auc: number | null;
  /** The exact AUC is within this distance of `auc`. */
  aucErrorBound: number | null;
  expectedCalibrationError: number | null;
  /** Positives observed / positives expected (sum of predictions); 1 when calibrated in the large. */
  observedOverExpected: number | null;
}

export function createMetricBins(): MetricBins {
  const zeros = (n: number) => new Array<number>(n).fill(0);
  return {
    count: 0,
    positives: 0,
    predictionSum: 0,
    logLossSum: 0,
    rankPositives: zeros(RANK_BINS),
    rankNegatives: zeros(RANK_BINS),
    calibrationCount: zeros(CALIBRATION_BINS),
    calibrationPrediction: zeros(CALIBRATION_BINS),
    calibrationPositives: zeros(CALIBRATION_BINS),
  };
}

/** The logit bin of a prediction already clipped away from 0 and 1. */
function rankBin(p: number): number {
  const logit = Math.log(p / (1 - p));
  const b = Math.floor(((logit + LOGIT_RANGE) / (2 * LOGIT_RANGE)) * RANK_BINS);
  return Math.min(Math.max(b, 0), RANK_BINS - 1);
}

/** Adds one example: the prediction made before its label was known, and the label (0 or 1). */
export function addExample(bins: MetricBins, prediction: number, label: number): void {
  if (!(prediction >= 0 && prediction <= 1) || (label !== 0 && label !== 1)) {
    throw new FlywheelError(ErrorCodes.BAD_RECORD, `a metric example needs a prediction in [0, 1] and a label 0 or 1, got (${prediction}, ${label})`);
  }
  const p = Math.min(Math.max(prediction, EPSILON), 1 - EPSILON);
  bins.count++;
  bins.positives += label;
  bins.predictionSum += prediction;
  bins.logLossSum -= label === 1 ? Math.log(p) : Math.log(1 - p);
  (label === 1 ? bins.rankPositives : bins.rankNegatives)[rankBin(p)]++;
  const c = Math.min(Math.floor(prediction * CALIBRATION_BINS), CALIBRATION_BINS - 1);
  bins.calibrationCount[c]++;
  bins.calibrationPrediction[c] += prediction;
  bins.calibrationPositives[c] += label;
}

/** The bins of both inputs together (as if every example had been added to one). */
export function mergeBins(a: MetricBins, b: MetricBins): MetricBins {
  const sum = (x: number[], y: number[]) => x.map((v, i) => v + y[i]!);
  return {
    count: a.count + b.count,
    positives: a.positives + b.positives,
    predictionSum: a.predictionSum + b.predictionSum,
    logLossSum: a.logLossSum + b.logLossSum,
    rankPositives: sum(a.rankPositives, b.rankPositives),
    rankNegatives: sum(a.rankNegatives, b.rankNegatives),
    calibrationCount: sum(a.calibrationCount, b.calibrationCount),
    calibrationPrediction: sum(a.calibrationPrediction, b.calibrationPrediction),
    calibrationPositives: sum(a.calibrationPositives, b.calibrationPositives),
  };
}

function auc(bins: MetricBins): { auc: number | null; aucErrorBound: number | null } {
  const negatives = bins.count - bins.positives;
  if (bins.positives === 0 || negatives === 0) return { auc: null, aucErrorBound: null };
  let negativesBelow = 0;
  let orderedPairs = 0;
  let tiedPairs = 0;
  for (let b = 0; b < RANK_BINS; b++) {
    const pos = bins.rankPositives[b]!;
    const neg = bins.rankNegatives[b]!;
    orderedPairs += pos * negativesBelow;
    tiedPairs += pos * neg;
    negativesBelow += neg;
  }
  const pairs = bins.positives * negatives;
  return { auc: (orderedPairs + tiedPairs / 2) / pairs, aucErrorBound: tiedPairs / 2 / pairs };
}

function calibrationError(bins: MetricBins): number {
  let error = 0;
  for (let c = 0; c < CALIBRATION_BINS; c++) {
    const n = bins.calibrationCount[c]!;
    if (n > 0) error += (n / bins.count) * Math.abs(bins.calibrationPositives[c]! / n - bins.calibrationPrediction[c]! / n);
  }
  return error;
}

export function summarize(bins: MetricBins): MetricSummary {
  if (bins.count === 0) {
    return {
      count: 0,
      baseRate: null,
      meanPrediction: null,
      logLoss: null,
      auc: null,
      aucErrorBound: null,
      expectedCalibrationError: null,
      observedOverExpected: null,
    };
  }
  return {
    count: bins.count,
    baseRate: bins.positives / bins.count,
    meanPrediction: bins.predictionSum / bins.count,
    logLoss: bins.logLossSum / bins.count,
    ...auc(bins),
    expectedCalibrationError: calibrationError(bins),
    observedOverExpected: bins.predictionSum > 0 ? bins.positives / bins.predictionSum : null,
  };
}
