/**
 * Rolling progressive-validation metrics: every example is scored before it is learned from, and its (prediction,
 * label) lands in a ring of metric bins. The window holds `segments` segments of `segmentSize` examples; when the
 * newest segment is full the oldest is cleared and reused, so the summary always covers between
 * (segments - 1) * segmentSize and segments * segmentSize of the latest examples. Plain data throughout.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { addExample, createMetricBins, mergeBins, summarize, type MetricBins, type MetricSummary } from './metric-bins.js';

export interface RollingMetrics {
  segmentSize: number;
  /** A ring; `current` is the one being filled. */
  segments: MetricBins[];
  current: number;
}

export function createRollingMetrics(options: { segmentSize: number; segments: number }): RollingMetrics {
  const { segmentSize, segments } = options;
  if (!Number.isInteger(segmentSize) || segmentSize < 1 || !Number.isInteger(segments) || segments < 2) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `rolling metrics need an integer segmentSize >= 1 and segments >= 2, got ${segmentSize} and ${segments}`,
      {},
      'e.g. segments: 5, segmentSize: 10000 for a window of about 50000 examples',
    );
  }
  return { segmentSize, segments: Array.from({ length: segments }, createMetricBins), current: 0 };
}

/** Records one progressive example: the prediction made before learning from it, and its label (0 or 1). */
export function observe(metrics: RollingMetrics, prediction: number, label: number): void {
  if (metrics.segments[metrics.current]!.count >= metrics.segmentSize) {
    metrics.current = (metrics.current + 1) % metrics.segments.length;
    metrics.segments[metrics.current] = createMetricBins();
  }
  addExample(metrics.segments[metrics.current]!, prediction, label);
}

/** All examples in the window as one set of bins, e.g. to merge with other partitions' windows. */
export function windowBins(metrics: RollingMetrics): MetricBins {
  return metrics.segments.reduce(mergeBins);
}

export function rollingSummary(metrics: RollingMetrics): MetricSummary {
  return summarize(windowBins(metrics));
}
