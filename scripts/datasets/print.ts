/**
 * Markdown output of the validation script: tables, and the compact figures of a report's comparisons.
 */
import type { Estimate } from '../../src/jobs/experiments/stats/estimate.js';
import type { MetricReport } from '../../src/jobs/experiments/stats/report.js';

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A number to `digits` significant digits (plain notation for ordinary magnitudes). */
export const sig = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '-' : Number(v.toPrecision(digits)).toString());

export const interval = (e: Estimate | null | undefined, digits = 4): string =>
  e ? `${sig(e.estimate, digits)} [${sig(e.lower, digits)}, ${sig(e.upper, digits)}]` : '-';

export const pct = (v: number, digits = 3): string => `${(100 * v).toFixed(digits)}%`;

/** One row per treatment arm: the effect figures GET /experiments/:id shows. */
export function comparisonTable(report: MetricReport): string {
  return table(
    [
      'arm',
      'difference [95% CI]',
      'p (Welch)',
      `p (${report.correction})`,
      'relative lift [95% CI]',
      'CUPED difference (variance reduction)',
      'always-valid CI',
      'P(better)',
    ],
    report.comparisons.map((c) => [
      c.arm,
      interval(c.difference),
      sig(c.difference?.pValue, 3),
      sig(c.adjustedPValue, 3),
      interval(c.relativeLift, 3),
      c.cuped ? `${sig(c.cuped.effect.estimate)} ± ${sig(c.cuped.effect.standardError, 3)} (${pct(c.cuped.varianceReduction, 2)})` : '-',
      c.alwaysValid ? `[${sig(c.alwaysValid.lower)}, ${sig(c.alwaysValid.upper)}]` : '-',
      sig(c.bayesian?.probabilityPositive, 4),
    ]),
  );
}
