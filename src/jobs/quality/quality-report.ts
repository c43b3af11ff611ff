/**
 * What the expectations step counts per window (and in total) and the report it makes of the counts: per
 * expectation the failures and pass rate, and for a drift expectation the PSI of the window's buckets against the
 * reference and whether it passes the threshold.
 */
import type { CompiledExpectation } from './expectation-checks.js';
import { populationStabilityIndex } from './psi.js';

/** Records seen, failures per expectation (in the options' order), and bucket counts of the drift expectations. */
export interface QualityCounts {
  records: number;
  failed: number[];
  buckets: Array<number[] | null>;
}

export interface ExpectationResult {
  name: string;
  level: 'mustPass' | 'warn';
  check: string;
  failed: number;
  passRate: number | null;
  /** Drift expectations: the PSI (null without values) and whether it is above the threshold. */
  psi?: number | null;
  drifted?: boolean;
}

export interface QualityReport {
  type: 'quality';
  window: { start: number; end: number };
  records: number;
  expectations: ExpectationResult[];
}

export function emptyCounts(checks: readonly CompiledExpectation[]): QualityCounts {
  return { records: 0, failed: checks.map(() => 0), buckets: checks.map((c) => (c.drift ? c.drift.reference.map(() => 0) : null)) };
}

/** Adds one record that failed the expectations at `failed` and fell in the drift buckets `buckets`. */
export function addRecord(counts: QualityCounts, failed: readonly number[], buckets: ReadonlyArray<number | null>): void {
  counts.records++;
  for (const i of failed) counts.failed[i]!++;
  buckets.forEach((b, i) => b !== null && counts.buckets[i]![b]!++);
}

export function qualityReport(checks: readonly CompiledExpectation[], counts: QualityCounts, start: number, end: number): QualityReport {
  return {
    type: 'quality',
    window: { start, end },
    records: counts.records,
    expectations: checks.map((c, i) => {
      const result: ExpectationResult = {
        name: c.name,
        level: c.level,
        check: c.describe,
        failed: counts.failed[i]!,
        passRate: counts.records === 0 ? null : (counts.records - counts.failed[i]!) / counts.records,
      };
      if (!c.drift) return result;
      const psi = populationStabilityIndex(counts.buckets[i]!, c.drift.reference);
      return { ...result, psi, drifted: psi !== null && psi > c.drift.max };
    }),
  };
}
