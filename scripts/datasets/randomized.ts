/**
 * The two real randomized experiments of the validation datasets, replayed through the experiment statistics:
 * Hillstrom's three-arm e-mail test (visit, conversion, spend; pre-period `history` for CUPED) and Cookie Cats'
 * two-arm gate test (1-day and 7-day retention, with its borderline sample-ratio mismatch). Figures are printed
 * beside the published ones of the datasets' README.
 */
import { join } from 'node:path';
import { addObservation, createMoments, type Moments } from '../../src/jobs/experiments/stats/moments.js';
import { adjustAcrossMetrics, metricReport, type MetricReport, type MetricReportConfig } from '../../src/jobs/experiments/stats/report.js';
import { varianceOf } from '../../src/jobs/experiments/stats/moments.js';
import { readGzipCsv } from './read-tables.js';
import { comparisonTable, pct, sig, table } from './print.js';

/** Mixing variance of the sequential test: effects of about a tenth of the control arm's standard deviation. */
const tau2For = (control: Moments, metric: string): number => 0.01 * varianceOf(control, metric);

function reportsFor(arms: Record<string, Moments>, metrics: string[], base: Omit<MetricReportConfig, 'metric' | 'tau2' | 'arms'>) {
  const reports = metrics.map((metric) => metricReport(arms, { ...base, arms: Object.keys(arms), metric, tau2: tau2For(arms[base.controlArm]!, metric) }));
  return adjustAcrossMetrics(reports, base.correction);
}

/** The sample-ratio check of a report whose split is declared (the check runs only then). */
function declaredSplitCheck(report: MetricReport): NonNullable<MetricReport['sampleRatio']> {
  if (!report.sampleRatio) throw new Error(`${report.metric}: no sample-ratio check, though a split is declared`);
  return report.sampleRatio;
}

const HILLSTROM_PUBLISHED: Record<string, [number, number, number, number]> = {
  'Mens E-Mail': [21307, 0.18276, 0.012531, 1.4226],
  'Womens E-Mail': [21387, 0.1514, 0.008837, 1.0772],
  'No E-Mail': [21306, 0.10617, 0.005726, 0.6528],
};

export function hillstrom(folder: string): string {
  const variables = ['visit', 'conversion', 'spend', 'history'];
  const arms = Object.fromEntries(Object.keys(HILLSTROM_PUBLISHED).map((arm) => [arm, createMoments(variables)]));
  for (const row of readGzipCsv(join(folder, 'hillstrom.csv.gz'))) {
    addObservation(arms[row.segment!]!, Object.fromEntries(variables.map((v) => [v, Number(row[v])])));
  }
  const metrics = ['visit', 'conversion', 'spend'];
  const reports = reportsFor(arms, metrics, {
    controlArm: 'No E-Mail',
    expectedSplit: { 'No E-Mail': 1, 'Mens E-Mail': 1, 'Womens E-Mail': 1 },
    alpha: 0.05,
    correction: 'holm',
    preExposure: 'history',
  });
  const perArm = table(
    ['arm', 'n (published)', 'visit (published)', 'conversion (published)', 'spend (published)'],
    Object.entries(HILLSTROM_PUBLISHED).map(([arm, [n, visit, conversion, spend]]) => {
      const figures = reports.map((r) => r.arms.find((a) => a.arm === arm)!);
      return [
        arm,
        `${figures[0]!.count} (${n})`,
        `${pct(figures[0]!.mean!)} (${pct(visit)})`,
        `${pct(figures[1]!.mean!, 4)} (${pct(conversion, 4)})`,
        `$${sig(figures[2]!.mean!, 5)} ($${spend})`,
      ];
    }),
  );
  const srm = declaredSplitCheck(reports[0]!);
  return [
    '### Hillstrom e-mail test (64,000 customers, three arms)',
    perArm,
    `Sample-ratio check (equal split): chi-square ${sig(srm.chiSquare)}, p = ${sig(srm.pValue, 4)} (published 0.904), mismatch flagged: ${srm.mismatch}.`,
    ...reports.flatMap((r) => [`\n**${r.metric}** (vs No E-Mail; Holm across both arms and all three metrics; CUPED on \`history\`)`, comparisonTable(r)]),
    `Warnings: ${JSON.stringify(reports.flatMap((r) => r.warnings.map((w) => w.code)))}`,
  ].join('\n\n');
}

export function cookieCats(folder: string): string {
  const variables = ['retention_1', 'retention_7'];
  const arms = { gate_30: createMoments(variables), gate_40: createMoments(variables) };
  for (const row of readGzipCsv(join(folder, 'cookie_cats.csv.gz'))) {
    addObservation(arms[row.version as keyof typeof arms], {
      retention_1: row.retention_1 === 'True' ? 1 : 0,
      retention_7: row.retention_7 === 'True' ? 1 : 0,
    });
  }
  const reports = reportsFor(arms, variables, { controlArm: 'gate_30', expectedSplit: { gate_30: 50, gate_40: 50 }, alpha: 0.05, correction: 'holm' });
  const published: Record<string, [number, number]> = { gate_30: [0.44819, 0.1902], gate_40: [0.44228, 0.182] };
  const perArm = table(
    ['arm', 'n', '1-day retention (published)', '7-day retention (published)'],
    Object.entries(published).map(([arm, [r1, r7]]) => {
      const [a, b] = reports.map((r) => r.arms.find((x) => x.arm === arm)!);
      return [arm, a!.count, `${pct(a!.mean!)} (${pct(r1)})`, `${pct(b!.mean!)} (${pct(r7)})`];
    }),
  );
  const srm = declaredSplitCheck(reports[0]!);
  return [
    '### Cookie Cats gate test (90,189 players, two arms)',
    perArm,
    `Sample-ratio check (50/50): chi-square ${sig(srm.chiSquare)}, p = ${sig(srm.pValue, 4)} (published 0.0086), flagged at p < 0.001: ${srm.mismatch}.`,
    ...reports.flatMap((r) => [`\n**${r.metric}** (gate_40 vs gate_30; Holm across both metrics)`, comparisonTable(r)]),
    `Warnings: ${JSON.stringify(reports.flatMap((r) => r.warnings.map((w) => w.code)))}`,
  ].join('\n\n');
}
