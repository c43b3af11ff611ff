/**
 * The per-metric experiment report: a three-arm experiment assembled from its parts (each part's own tests check its
 * numbers; here the report must use them consistently), corrections across arms and metrics, the running
 * always-valid p-value, the sample-ratio and other warnings, the observational comparison with its fusion, plain
 * JSON output, and configuration errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_UNITS_PER_ARM } from '../../../../src/jobs/experiments/stats/always-valid.js';
import { createMoments, type Moments } from '../../../../src/jobs/experiments/stats/moments.js';
import { adjustPValues } from '../../../../src/jobs/experiments/stats/multiple-testing.js';
import { addObservationalUnit, createObservationalArm, DEFAULT_WEIGHTING } from '../../../../src/jobs/experiments/stats/observational-arm.js';
import { adjustAcrossMetrics, metricReport, type MetricReportConfig } from '../../../../src/jobs/experiments/stats/report.js';
import { differenceInMeans } from '../../../../src/jobs/experiments/stats/welch.js';
import { StatsWarningCodes } from '../../../../src/jobs/experiments/stats/warnings.js';
import { FlywheelError } from '../../../../src/core/errors.js';
import { sampleMoments, seededRandom } from './simulation.js';

const VARIABLES = ['revenue', 'preRevenue', 'used', 'sessions'];

/** One arm: pre-period revenue predicts revenue; users who use the feature (if offered) spend `effect` more. */
function arm(seed: number, units: number, effect: number, uptake: number): Moments {
  const random = seededRandom(seed);
  return sampleMoments(VARIABLES, units, () => {
    const preRevenue = 10 + 3 * random.normal();
    const used = random.bernoulli(uptake);
    const sessions = 1 + Math.floor(4 * random.uniform());
    return { preRevenue, used, sessions, revenue: 0.8 * preRevenue + effect * used + 2 * random.normal() };
  });
}

const CONFIG: MetricReportConfig = {
  metric: 'revenue',
  controlArm: 'control',
  arms: ['control', 'small', 'large'],
  expectedSplit: { control: 1, small: 1, large: 1 },
  alpha: 0.05,
  tau2: 1,
  correction: 'holm',
  preExposure: 'preRevenue',
  usage: 'used',
  ratio: { numerator: 'revenue', denominator: 'sessions' },
};

const ARMS = { control: arm(71, 2000, 0, 0), small: arm(72, 2000, 0.2, 0.5), large: arm(73, 2000, 1, 0.5) };

test('three arms: every comparison filled, consistent with its estimator, Holm across arms', () => {
  const report = metricReport(ARMS, CONFIG);
  assert.deepEqual(
    report.arms.map((a) => [a.arm, a.count]),
    [
      ['control', 2000],
      ['small', 2000],
      ['large', 2000],
    ],
  );
  assert.deepEqual(
    report.comparisons.map((c) => c.arm),
    ['small', 'large'],
  );
  for (const c of report.comparisons) {
    assert.deepEqual(c.difference, differenceInMeans(ARMS.control, ARMS[c.arm as 'small' | 'large'], 'revenue', 0.05));
    assert.ok(c.cuped!.applied && c.cuped!.varianceReduction > 0.5, 'pre-period revenue explains most of the variance');
    assert.ok(c.cuped!.effect.standardError < c.differenceInDifferences!.standardError * 1.01);
    assert.ok(c.nonCompliance!.firstStage.estimate > 0.45 && !c.nonCompliance!.weakInstrument);
    assert.ok(c.ratioDifference && c.relativeLift && c.bayesian && c.alwaysValid);
  }
  const raw = report.comparisons.map((c) => c.difference!.pValue);
  assert.deepEqual(
    report.comparisons.map((c) => c.adjustedPValue),
    adjustPValues(raw, 'holm'),
  );
  const large = report.comparisons[1]!;
  const analysis = large.nonCompliance!;
  assert.deepEqual(analysis.intentToTreat, large.difference);
  assert.ok(Math.abs(analysis.complierEffect!.estimate - analysis.intentToTreat.estimate / analysis.firstStage.estimate) < 1e-12);
  assert.ok(large.alwaysValid!.pValue < 0.05 && large.bayesian!.probabilityPositive > 0.99);
  assert.equal(report.sampleRatio!.mismatch, false);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'the report is plain JSON');
});

test('the always-valid p-value carries over from the previous report, and starts only at enough units', () => {
  const first = metricReport(ARMS, CONFIG);
  const previous = { small: { lower: 0.25, upper: 0.3, pValue: 1e-6 }, large: { lower: -5, upper: 5, pValue: 0.5 } };
  const second = metricReport(ARMS, CONFIG, previous);
  const [small, large] = [second.comparisons[0]!.alwaysValid!, second.comparisons[1]!.alwaysValid!];
  assert.equal(small.pValue, 1e-6);
  assert.equal(large.pValue, first.comparisons[1]!.alwaysValid!.pValue);
  // The interval is the intersection with the previous one: here the previous small one is the narrower.
  assert.deepEqual(
    [small.lower, small.upper],
    [Math.max(0.25, first.comparisons[0]!.alwaysValid!.lower), Math.min(0.3, first.comparisons[0]!.alwaysValid!.upper)],
  );
  assert.deepEqual([large.lower, large.upper], [first.comparisons[1]!.alwaysValid!.lower, first.comparisons[1]!.alwaysValid!.upper]);
  const few = { control: arm(74, MIN_UNITS_PER_ARM - 1, 0, 0), small: arm(75, 40, 0, 0), large: arm(76, 40, 0, 0) };
  assert.ok(metricReport(few, CONFIG).comparisons.every((c) => c.difference !== null && c.alwaysValid === null));
});

test('warnings: sample-ratio mismatch, an empty arm, a weak instrument, a zero control mean, a covariate that cannot help', () => {
  const skewed = { control: arm(77, 2000, 0, 0), small: arm(78, 1000, 0, 0.002), large: createMoments(VARIABLES) };
  const report = metricReport(skewed, CONFIG);
  const codes = report.warnings.map((w) => [w.code, w.arm]);
  assert.deepEqual(codes, [
    [StatsWarningCodes.SAMPLE_RATIO_MISMATCH, undefined],
    [StatsWarningCodes.WEAK_INSTRUMENT, 'small'],
    [StatsWarningCodes.INSUFFICIENT_DATA, 'large'],
  ]);
  assert.equal(report.comparisons[1]!.adjustedPValue, null);
  assert.equal(report.comparisons[0]!.adjustedPValue, report.comparisons[0]!.difference!.pValue, 'one tested comparison needs no correction');
  const random = seededRandom(79);
  // Control outcomes all 0, and a pre-exposure variable that never varies (so it cannot reduce any variance).
  const zeros = (units: number) => sampleMoments(['y', 'x'], units, () => ({ y: 0, x: 3 }));
  const flat = metricReport(
    { control: zeros(50), treatment: sampleMoments(['y', 'x'], 50, () => ({ y: random.normal(), x: 3 })) },
    {
      metric: 'y',
      controlArm: 'control',
      arms: ['control', 'treatment'],
      expectedSplit: { control: 1, treatment: 1 },
      alpha: 0.05,
      tau2: 1,
      correction: 'benjamini-hochberg',
      preExposure: 'x',
    },
  );
  assert.deepEqual(
    flat.warnings.map((w) => w.code),
    [StatsWarningCodes.ZERO_CONTROL_MEAN, StatsWarningCodes.CUPED_NOT_APPLIED],
  );
});

test('corrections across metrics adjust every comparison of every report together', () => {
  const revenue = metricReport(ARMS, CONFIG);
  const sessions = metricReport(ARMS, { ...CONFIG, metric: 'sessions' });
  const adjusted = adjustAcrossMetrics([revenue, sessions], 'benjamini-hochberg');
  const raw = [...revenue.comparisons, ...sessions.comparisons].map((c) => c.difference!.pValue);
  assert.deepEqual(
    adjusted.flatMap((r) => r.comparisons.map((c) => c.adjustedPValue)),
    adjustPValues(raw, 'benjamini-hochberg'),
  );
  assert.equal(adjusted[0]!.correction, 'benjamini-hochberg');
  assert.deepEqual(
    revenue.comparisons.map((c) => c.adjustedPValue),
    adjustPValues(raw.slice(0, 2), 'holm'),
    'the inputs are left as they were',
  );
});

test('an observational comparison is reported with its diagnostics and fused with the randomized estimate', () => {
  const random = seededRandom(80);
  const control = createObservationalArm(['revenue', 'preRevenue']);
  const treated = createObservationalArm(['revenue', 'preRevenue']);
  // Self-selection on pre-period revenue with a true effect of 1 and a known propensity.
  for (let i = 0; i < 4000; i++) {
    const preRevenue = 10 + 3 * random.normal();
    const e = 1 / (1 + Math.exp(-(preRevenue - 10) / 3));
    const chose = random.uniform() < e;
    addObservationalUnit(
      chose ? treated : control,
      { preRevenue, revenue: 0.8 * preRevenue + (chose ? 1 : 0) + 2 * random.normal() },
      e,
      chose,
      DEFAULT_WEIGHTING,
    );
  }
  const report = metricReport(ARMS, CONFIG, {}, { arm: 'large', control, treated, covariates: ['preRevenue'], weighting: DEFAULT_WEIGHTING });
  const observational = report.observational!;
  assert.ok(Math.abs(observational.effect.estimate - 1) < 3 * observational.effect.standardError, `${observational.effect.estimate}`);
  assert.ok(observational.naive!.estimate > 2, 'self-selection inflates the naive difference');
  const randomized = report.comparisons[1]!.difference!;
  const fusion = report.fusion!;
  const wR = 1 / randomized.standardError ** 2;
  const wO = 1 / observational.effect.standardError ** 2;
  assert.ok(Math.abs(fusion.inverseVariance.estimate - (wR * randomized.estimate + wO * observational.effect.estimate) / (wR + wO)) < 1e-12);
  assert.ok(!report.warnings.some((w) => w.code === StatsWarningCodes.ESTIMATES_DISAGREE));
});

test('configuration errors name the arm', () => {
  assert.throws(
    () => metricReport(ARMS, { ...CONFIG, controlArm: 'baseline' }),
    (e: unknown) => e instanceof FlywheelError && /arm "baseline"/.test(e.message),
  );
  assert.throws(() => metricReport({ control: ARMS.control }, CONFIG), /arm "small" has no moments/);
});
