/**
 * The per-metric report's own figures on arms small enough to work by hand: each arm's count, mean and standard
 * deviation (none below one and two units), the observed split, the sample-ratio check against the declared split
 * (none without one, a configured threshold), the Bayesian view with the prior N(0, tau^2), always-valid p-values
 * adjusted across metrics, the warnings' wording (naming the arm, the metric, the counts), an experiment with only
 * observational units, and configuration errors. report.test.ts checks the report on simulated experiments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlywheelError } from '../../../../src/core/errors.js';
import { MIN_UNITS_PER_ARM } from '../../../../src/jobs/experiments/stats/always-valid.js';
import { addObservation, createMoments, type Moments } from '../../../../src/jobs/experiments/stats/moments.js';
import { adjustPValues } from '../../../../src/jobs/experiments/stats/multiple-testing.js';
import { addObservationalUnit, createObservationalArm, DEFAULT_WEIGHTING } from '../../../../src/jobs/experiments/stats/observational-arm.js';
import { adjustAcrossMetrics, metricReport, type MetricReportConfig, type ObservationalInput } from '../../../../src/jobs/experiments/stats/report.js';
import { StatsWarningCodes } from '../../../../src/jobs/experiments/stats/warnings.js';
import { assertClose, NORMAL_TOLERANCE } from './reference-values.js';
import { sampleMoments, seededRandom } from './simulation.js';

/** An arm of y (and sessions s) values. */
function armOf(ys: readonly number[], sessions: readonly number[] = ys.map(() => 1)): Moments {
  const m = createMoments(['y', 's']);
  ys.forEach((y, i) => addObservation(m, { y, s: sessions[i]! }));
  return m;
}

/** Units of an observational arm: the outcome of the i-th unit, and the propensity every unit of the arm has. */
interface ObservationalUnits {
  y: (i: number) => number;
  propensity: number;
}

/** An observational comparison of arm b with `units` units in each of its arms, weighted for the ATE. */
function observationalOfArmB(units: number, control: ObservationalUnits, treated: ObservationalUnits): ObservationalInput {
  const arms = { control: createObservationalArm(['y']), treated: createObservationalArm(['y']) };
  for (let i = 0; i < units; i++) {
    addObservationalUnit(arms.control, { y: control.y(i) }, control.propensity, false, DEFAULT_WEIGHTING);
    addObservationalUnit(arms.treated, { y: treated.y(i) }, treated.propensity, true, DEFAULT_WEIGHTING);
  }
  return { arm: 'b', ...arms, covariates: [], weighting: DEFAULT_WEIGHTING };
}

const CONFIG: MetricReportConfig = {
  metric: 'y',
  controlArm: 'a',
  arms: ['a', 'b', 'c'],
  expectedSplit: { a: 1, b: 1, c: 1 },
  alpha: 0.05,
  tau2: 4,
  correction: 'holm',
};

// a: 1, 2, 3, 4 (mean 2.5, variance 5/3); b: 2, 4, 6, 8 (mean 5, variance 20/3); c: one unit.
const ARMS = { a: armOf([1, 2, 3, 4]), b: armOf([2, 4, 6, 8]), c: armOf([5]) };

test('arm figures and the observed split worked by hand; none of a mean below one unit or of a deviation below two', () => {
  const report = metricReport(ARMS, CONFIG);
  assert.deepEqual(
    report.arms.map((a) => [a.arm, a.count, a.mean]),
    [
      ['a', 4, 2.5],
      ['b', 4, 5],
      ['c', 1, 5],
    ],
  );
  assertClose(report.arms[0]!.standardDeviation!, Math.sqrt(5 / 3), NORMAL_TOLERANCE, 'sd of a');
  assertClose(report.arms[1]!.standardDeviation!, Math.sqrt(20 / 3), NORMAL_TOLERANCE, 'sd of b');
  assert.equal(report.arms[2]!.standardDeviation, null, 'one unit has no standard deviation');
  assert.deepEqual(report.observedSplit, { a: 4 / 9, b: 4 / 9, c: 1 / 9 });
  const empty = metricReport({ ...ARMS, c: armOf([]) }, CONFIG);
  assert.deepEqual([empty.arms[2]!.mean, empty.arms[2]!.standardDeviation], [null, null]);
  assert.deepEqual(empty.observedSplit, { a: 0.5, b: 0.5, c: 0 });
  // No units at all: every share is 0, not NaN.
  const none = metricReport({ a: armOf([]), b: armOf([]), c: armOf([]) }, CONFIG);
  assert.deepEqual(none.observedSplit, { a: 0, b: 0, c: 0 });
  // A ratio metric adds each arm's ratio: b has y 2, 4, 6, 8 over 1, 1, 2, 4 sessions, mean 5 / mean 2 = 2.5.
  const ratio = metricReport({ ...ARMS, b: armOf([2, 4, 6, 8], [1, 1, 2, 4]) }, { ...CONFIG, ratio: { numerator: 'y', denominator: 's' } });
  assert.equal(ratio.arms[1]!.ratio!.ratio, 2.5);
  assert.equal(ratio.arms[2]!.ratio, null, 'one unit has no ratio');
  assert.equal(report.arms[1]!.ratio, undefined, 'no ratio configured');
});

test('the sample-ratio check: chi-square against the declared split, its threshold, and none without a split', () => {
  // Counts 4, 4, 1 against 3, 3, 3: chi-square (1 + 1 + 4) / 3 = 2 on 2 degrees of freedom, p = exp(-2 / 2).
  const report = metricReport(ARMS, CONFIG);
  assert.equal(report.sampleRatio!.chiSquare, 2);
  assert.equal(report.sampleRatio!.degreesOfFreedom, 2);
  assertClose(report.sampleRatio!.pValue, Math.exp(-1), NORMAL_TOLERANCE, 'p');
  assert.deepEqual(report.sampleRatio!.expected, [3, 3, 3]);
  assert.equal(report.sampleRatio!.mismatch, false);
  assert.ok(!report.warnings.some((w) => w.code === StatsWarningCodes.SAMPLE_RATIO_MISMATCH));
  // p = 0.37 is below a threshold of 0.5: flagged, naming every arm's count.
  const strict = metricReport(ARMS, { ...CONFIG, sampleRatioThreshold: 0.5 });
  const mismatch = strict.warnings.find((w) => w.code === StatsWarningCodes.SAMPLE_RATIO_MISMATCH)!;
  assert.match(mismatch.message, /^units per arm \[a: 4, b: 4, c: 1\] do not match the declared split \(chi-square p = 3\.68e-1\)/);
  // Declared split 4 : 4 : 1 matches the counts exactly.
  assert.equal(metricReport(ARMS, { ...CONFIG, expectedSplit: { a: 4, b: 4, c: 1 } }).sampleRatio!.chiSquare, 0);
  const undeclared = metricReport(ARMS, { ...CONFIG, expectedSplit: null, sampleRatioThreshold: 0.5 });
  assert.equal(undeclared.sampleRatio, null);
  assert.ok(!undeclared.warnings.some((w) => w.code === StatsWarningCodes.SAMPLE_RATIO_MISMATCH));
});

test('the Bayesian view of each difference has the prior N(0, tau^2): the posterior shrinks the estimate toward 0', () => {
  const b = metricReport(ARMS, CONFIG).comparisons[0]!;
  // b - a = 2.5 with se^2 = (5/3) / 4 + (20/3) / 4 = 25/12; with tau^2 = 4 the posterior precision is 1/4 + 12/25
  // and its mean 2.5 (12/25) / (1/4 + 12/25).
  assertClose(b.difference!.estimate, 2.5, NORMAL_TOLERANCE, 'difference');
  assertClose(b.difference!.standardError, Math.sqrt(25 / 12), NORMAL_TOLERANCE, 'se');
  const precision = 1 / 4 + 12 / 25;
  assertClose(b.bayesian!.mean, (2.5 * 12) / 25 / precision, NORMAL_TOLERANCE, 'posterior mean');
  assertClose(b.bayesian!.standardDeviation, Math.sqrt(1 / precision), NORMAL_TOLERANCE, 'posterior sd');
  assertClose(b.bayesian!.priorWeight, 1 / 4 / precision, NORMAL_TOLERANCE, 'prior weight');
  assert.equal(metricReport(ARMS, CONFIG).comparisons[1]!.bayesian, null, 'no difference, no posterior');
});

test('warnings name the arms, the metric and what to do', () => {
  const report = metricReport(ARMS, CONFIG);
  assert.deepEqual(report.warnings, [
    {
      code: StatsWarningCodes.INSUFFICIENT_DATA,
      arm: 'c',
      message: 'c vs a: fewer than two units in an arm, or no variation in "y" yet',
    },
  ]);
  const zero = metricReport({ a: armOf([0, 0, 0]), b: armOf([1, 2, 3]) }, { ...CONFIG, arms: ['a', 'b'], expectedSplit: null });
  assert.deepEqual(zero.warnings, [
    { code: StatsWarningCodes.ZERO_CONTROL_MEAN, arm: 'b', message: 'b: the control mean of "y" is 0, so there is no relative lift' },
  ]);
  const flatPre = metricReport({ a: armOf([1, 2, 3]), b: armOf([1, 2, 4]) }, { ...CONFIG, arms: ['a', 'b'], expectedSplit: null, preExposure: 's' });
  assert.deepEqual(flatPre.warnings, [
    { code: StatsWarningCodes.CUPED_NOT_APPLIED, arm: 'b', message: 'b: "s" would not reduce the variance of "y", so CUPED reports the plain difference' },
  ]);
  // Usage that barely differs between the arms: usage 1 for 1 treated unit of 40, 0 in control by design.
  const random = seededRandom(91);
  const arm = (used: (i: number) => number) => {
    let i = 0;
    return sampleMoments(['y', 'u'], 40, () => ({ y: random.normal(), u: used(i++) }));
  };
  const weak = metricReport({ a: arm(() => 1), b: arm((i) => (i === 0 ? 1 : 0)) }, { ...CONFIG, arms: ['a', 'b'], expectedSplit: null, usage: 'u' });
  const f = weak.comparisons[0]!.nonCompliance!.firstStageF;
  // The control's usage counts as 0 whatever its flags say (every control unit has u = 1 here): the first stage is
  // the treated usage 1/40, whose variance is (39/40)^2 + 39 (1/40)^2 over 39 units, 1/40; so se^2 = 1/1600 and
  // F = (1/40)^2 / (1/1600) = 1.
  assertClose(f, 1, 1e-12, 'first-stage F');
  assert.deepEqual(weak.warnings, [
    {
      code: StatsWarningCodes.WEAK_INSTRUMENT,
      arm: 'b',
      message: 'b: assignment barely changes usage (first-stage F 1.0 < 10); the complier effect is unreliable',
    },
  ]);
});

test('always-valid p-values are adjusted across arms and across metrics too', () => {
  const random = seededRandom(92);
  const arm = (shift: number) => sampleMoments(['y', 's'], 60, () => ({ y: shift + random.normal(), s: random.normal() }));
  const arms = { a: arm(0), b: arm(0.3), c: arm(0.8) };
  const config = { ...CONFIG, expectedSplit: null };
  const first = metricReport(arms, config);
  const second = metricReport(arms, { ...config, metric: 's' });
  for (const r of [first, second]) {
    assert.deepEqual(
      r.comparisons.map((c) => c.adjustedAlwaysValidPValue),
      adjustPValues(
        r.comparisons.map((c) => c.alwaysValid!.pValue),
        'holm',
      ),
    );
  }
  // The first look comes at MIN_UNITS_PER_ARM units in each arm, not one unit later.
  const atMinimum = { a: arm(0), b: sampleMoments(['y', 's'], MIN_UNITS_PER_ARM, () => ({ y: random.normal(), s: 0 })) };
  assert.ok(metricReport(atMinimum, { ...config, arms: ['a', 'b'] }).comparisons[0]!.alwaysValid);
  const across = adjustAcrossMetrics([first, second], 'benjamini-hochberg');
  const raw = [first, second].flatMap((r) => r.comparisons.map((c) => c.alwaysValid!.pValue));
  assert.deepEqual(
    across.flatMap((r) => r.comparisons.map((c) => c.adjustedAlwaysValidPValue)),
    adjustPValues(raw, 'benjamini-hochberg'),
  );
});

test('observational units only: no randomized data is missing; the observational warnings name their arm', () => {
  // Treated units near propensity 1 and controls near 0: the arms barely overlap, which the report passes on.
  const input = observationalOfArmB(50, { y: (i) => i % 5, propensity: 0.02 }, { y: (i) => 1 + (i % 7), propensity: 0.97 });
  const empty = { a: armOf([]), b: armOf([]) };
  const config = { ...CONFIG, arms: ['a', 'b'], expectedSplit: null };
  const report = metricReport(empty, config, {}, input);
  assert.ok(report.observational && report.observational.arm === 'b');
  assert.equal(report.fusion, null, 'nothing randomized to fuse with');
  assert.ok(!report.warnings.some((w) => w.code === StatsWarningCodes.INSUFFICIENT_DATA), JSON.stringify(report.warnings));
  assert.ok(report.warnings.length > 0);
  for (const w of report.warnings) {
    assert.equal(w.code, StatsWarningCodes.POOR_OVERLAP);
    assert.match(w.message, /^observational b: /);
  }
  // With randomized units too, a randomized arm lacking data is reported.
  const withRandomized = metricReport({ a: armOf([1, 2, 3]), b: armOf([]) }, config);
  assert.deepEqual(
    withRandomized.warnings.map((w) => w.code),
    [StatsWarningCodes.INSUFFICIENT_DATA],
  );
});

test('estimates that disagree: the fusion warning names the observational arm', () => {
  // An observational effect of 10 at propensity 0.5 everywhere, against a randomized difference of 2.5.
  const input = observationalOfArmB(40, { y: (i) => i % 3, propensity: 0.5 }, { y: (i) => 10 + (i % 3), propensity: 0.5 });
  const report = metricReport(ARMS, { ...CONFIG, expectedSplit: null }, {}, input);
  assert.deepEqual(
    report.warnings.map((w) => [w.code, w.arm]),
    [
      [StatsWarningCodes.INSUFFICIENT_DATA, 'c'],
      [StatsWarningCodes.ESTIMATES_DISAGREE, 'b'],
    ],
  );
  assertClose(report.fusion!.disagreement.difference, 10 - 2.5, NORMAL_TOLERANCE, 'observational minus randomized');
});

test('configuration errors: a control arm not among the arms, an arm without a split', () => {
  const error = (config: MetricReportConfig) => {
    try {
      metricReport(ARMS, config);
    } catch (e) {
      assert.ok(e instanceof FlywheelError);
      return e.message;
    }
    assert.fail('no error');
  };
  assert.match(error({ ...CONFIG, arms: ['b', 'c'] }), /experiment arm "a" has no moments or no configured split \(arms: \[a, b, c\], split: \[a, b, c\]\)/);
  assert.match(
    error({ ...CONFIG, expectedSplit: { a: 1, b: 1 } }),
    /experiment arm "c" has no moments or no configured split \(arms: \[a, b, c\], split: \[a, b\]\)/,
  );
  assert.match(error({ ...CONFIG, expectedSplit: { a: 1, b: 1 } }), /hint: configure a split for every arm, the control arm included/);
  assert.doesNotThrow(() => metricReport(ARMS, { ...CONFIG, expectedSplit: null }));
});
