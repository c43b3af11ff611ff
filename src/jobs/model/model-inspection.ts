/**
 * What the console shows of a model beyond GET /models: the calibration of its progressive predictions over the
 * rolling window (per probability bin: examples, mean prediction, observed positive rate), and the largest weights
 * of its published version by magnitude, each named when its coordinate is that of the bias or of a numeric
 * feature (a categorical feature's coordinate hashes its value, which the model does not keep).
 */
import type { StateReader } from '../../state/reader.js';
import { NUMERIC_FEATURE_NAMES } from './example-features.js';
import { BIAS_FEATURE } from './feature-hashing.js';
import { murmur3 } from '../../core/murmur3.js';
import { MODEL_STATE, type PublishedModel } from './model-state.js';
import { windowBins, type RollingMetrics } from './progressive-metrics.js';
import { CALIBRATION_BINS } from './metric-bins.js';

export interface CalibrationBin {
  /** The bin's probability range. */
  from: number;
  to: number;
  examples: number;
  meanPrediction: number | null;
  observedRate: number | null;
}

export interface WeightTerm {
  coordinate: number;
  weight: number;
  /** The feature it is the coordinate of (a hash collision may share it), or null when not a named one. */
  name: string | null;
}

export function calibration(state: StateReader, stepId: string, model: string): CalibrationBin[] {
  const metrics = state.value<RollingMetrics>(stepId, model, MODEL_STATE.metrics);
  if (!metrics) return [];
  const bins = windowBins(metrics);
  return bins.calibrationCount.map((n, b) => ({
    from: b / CALIBRATION_BINS,
    to: (b + 1) / CALIBRATION_BINS,
    examples: n,
    meanPrediction: n > 0 ? bins.calibrationPrediction[b]! / n : null,
    observedRate: n > 0 ? bins.calibrationPositives[b]! / n : null,
  }));
}

export function topWeights(state: StateReader, stepId: string, model: string, top: number): { version: number | null; nonzero: number; terms: WeightTerm[] } {
  const published = state.value<PublishedModel>(stepId, model, MODEL_STATE.published);
  if (!published) return { version: null, nonzero: 0, terms: [] };
  const mask = 2 ** published.hashing.bits - 1;
  const names = new Map<number, string>();
  for (const name of [BIAS_FEATURE, ...NUMERIC_FEATURE_NAMES]) names.set(murmur3(name, published.hashing.seed ?? 0) & mask, name);
  const order = published.coords.map((_, i) => i).sort((a, b) => Math.abs(published.weights[b]!) - Math.abs(published.weights[a]!));
  return {
    version: published.version,
    nonzero: published.coords.length,
    terms: order.slice(0, top).map((i) => ({ coordinate: published.coords[i]!, weight: published.weights[i]!, name: names.get(published.coords[i]!) ?? null })),
  };
}
