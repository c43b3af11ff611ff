/**
 * The validation datasets replayed through Kafka into the running experiment job (kafka-replay.ts), printed as
 * Markdown from the reports GET /experiments/:id serves, beside the published figures of the datasets' README.
 */
import type { ExperimentReport } from '../../src/jobs/experiments/experiment-report.js';
import type { MetricReport } from '../../src/jobs/experiments/stats/report.js';
import { replayThroughKafka, type ReplayOutcome } from './kafka-replay.js';
import { comparisonTable, interval, pct, sig, table } from './print.js';
import { cookieCatsReplay, hillstromReplay, lalondeReplay } from './replay-events.js';

const metricOf = (r: ExperimentReport, metric: string): MetricReport => r.metrics.find((m) => m.metric === metric)!;
const meanIn = (m: MetricReport, arm: string): number => m.arms.find((a) => a.arm === arm)!.mean!;

function runLine(o: ReplayOutcome): string {
  return `Replay: ${o.produced} events through the dev broker; the job took ${o.seconds.toFixed(1)} s (2 worker threads, LMDB state), wrote ${o.resultsWritten} reports to the results topic and ${o.deadLetters} dead letters.`;
}

function srmLine(m: MetricReport, published: string): string {
  const s = m.sampleRatio;
  if (!s) return `Sample-ratio check: none (no split declared; published ${published}).`;
  return `Sample-ratio check: chi-square ${sig(s.chiSquare)}, p = ${sig(s.pValue, 4)} (published ${published}), flagged at p < 0.001: ${s.mismatch}.`;
}

export async function hillstromKafka(folder: string): Promise<string> {
  const outcome = await replayThroughKafka('hillstrom', hillstromReplay(folder));
  const r = outcome.reports.get('hillstrom')!;
  const published: Record<string, [number, number, number, number]> = {
    'Mens E-Mail': [21307, 0.18276, 0.012531, 1.4226],
    'Womens E-Mail': [21387, 0.1514, 0.008837, 1.0772],
    'No E-Mail': [21306, 0.10617, 0.005726, 0.6528],
  };
  const [visit, conversion, spend] = ['views', 'converted', 'revenue'].map((m) => metricOf(r, m)) as [MetricReport, MetricReport, MetricReport];
  return [
    '### Hillstrom through Kafka (visit = views, conversion = converted, spend = revenue)',
    runLine(outcome),
    table(
      ['arm', 'n (published)', 'visit (published)', 'conversion (published)', 'spend (published)'],
      Object.entries(published).map(([arm, [n, v, c, s]]) => [
        arm,
        `${r.units.randomized[arm]} (${n})`,
        `${pct(meanIn(visit, arm))} (${pct(v)})`,
        `${pct(meanIn(conversion, arm), 4)} (${pct(c, 4)})`,
        `$${sig(meanIn(spend, arm), 5)} ($${s})`,
      ]),
    ),
    srmLine(visit, '0.904'),
    ...[visit, conversion, spend].flatMap((m) => [`\n**${m.metric}** (vs No E-Mail; Holm across arms and metrics; CUPED on \`history\`)`, comparisonTable(m)]),
    `Warnings: ${JSON.stringify(r.metrics.flatMap((m) => m.warnings.map((w) => w.code)))}`,
  ].join('\n\n');
}

export async function cookieCatsKafka(folder: string): Promise<string> {
  const outcome = await replayThroughKafka('cookie-cats', cookieCatsReplay(folder));
  const r = outcome.reports.get('cookie-cats')!;
  const published: Record<string, [number, number]> = { gate_30: [0.44819, 0.1902], gate_40: [0.44228, 0.182] };
  const [r1, r7] = [metricOf(r, 'views'), metricOf(r, 'clicks')];
  return [
    '### Cookie Cats through Kafka (1-day retention = views, 7-day retention = clicks)',
    runLine(outcome),
    table(
      ['arm', 'n', '1-day retention (published)', '7-day retention (published)'],
      Object.entries(published).map(([arm, [a, b]]) => [
        arm,
        r.units.randomized[arm]!,
        `${pct(meanIn(r1, arm))} (${pct(a)})`,
        `${pct(meanIn(r7, arm))} (${pct(b)})`,
      ]),
    ),
    srmLine(r1, '0.0086'),
    ...[r1, r7].flatMap((m) => [`\n**${m.metric}** (gate_40 vs gate_30; Holm across both metrics)`, comparisonTable(m)]),
    `Warnings: ${JSON.stringify(r.metrics.flatMap((m) => m.warnings.map((w) => w.code)))}`,
  ].join('\n\n');
}

export async function lalondeKafka(folder: string): Promise<string> {
  const outcome = await replayThroughKafka('lalonde', lalondeReplay(folder));
  const out = ['### LaLonde through Kafka (1978 earnings = revenue; effect on the treated)', runLine(outcome)];
  for (const [id, group, naivePublished] of [
    ['lalonde-psid', 'PSID', -15205],
    ['lalonde-cps', 'CPS', -8498],
  ] as const) {
    const m = metricOf(outcome.reports.get(id)!, 'revenue');
    const randomized = m.comparisons[0]!.difference;
    const o = m.observational;
    out.push(
      `\n**${id}**: randomized ${interval(randomized, 5)} (published $1,794, se about 671); ${group} controls, naive ${sig(o?.naive?.estimate, 5)} (published ${naivePublished}); ` +
        `weighted effect on the treated ${interval(o?.effect, 5)}; effective control sample ${sig(o?.overlap.control.effectiveSampleSize, 3)} of ${o?.overlap.control.count}; ` +
        `treated with propensity above 0.9: ${o ? (100 * o.overlap.treated.highTail).toFixed(1) : '-'}%; ` +
        `fused (inverse variance) ${interval(m.fusion?.inverseVariance, 5)}, weights randomized ${sig(m.fusion?.inverseVariance.randomizedWeight, 3)} / observational ${sig(m.fusion?.inverseVariance.observationalWeight, 3)}; disagreement p = ${sig(m.fusion?.disagreement.pValue, 3)}.`,
      table(
        ['covariate', 'SMD before', 'SMD after'],
        (o?.balance ?? []).map((b) => [b.covariate, sig(b.before, 3), sig(b.after, 3)]),
      ),
      `Warnings: ${JSON.stringify(m.warnings.map((w) => (w.arm ? `${w.code} (${w.arm})` : w.code)))}`,
    );
  }
  return out.join('\n\n');
}
