/**
 * Experiments found in the stream, watched at every report: 400 null and 200 effect experiments that the options do
 * not declare, their exposures and purchases through stage 1 (keyed by user) and its changes through stage 2 (keyed
 * by experiment), both on the operator harness with event time moving one emit interval at a time. Every report is a
 * look.
 * - Under no effect, the share of experiments whose always-valid interval ever excludes 0 is at most alpha = 5%.
 *   The mixture SPRT guarantees at most alpha for any number of looks; with the variance estimated from at least
 *   30 units per arm and at most 12 looks the rate found is far below it (issue figures: 1.75% on another world), so
 *   "<= 5%" fails only if the guarantee is broken: the simulation error of a 5% rate over 400 experiments is 1.1
 *   points, and a rate truly at 2% exceeds 5% with probability under 0.1% (the test is seeded, so it is repeatable).
 *   The naive 95% Welch interval watched the same way is reported beside it and must do clearly worse.
 * - At every look of every experiment, the always-valid interval excludes 0 exactly when the always-valid p-value is
 *   below alpha. The effect experiments make the "p below alpha" side common, and looks whose own interval contains
 *   0 while the running p-value is below alpha are counted, to show the check has teeth (the running intersection is
 *   what makes those agree).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentChange } from '../../../src/jobs/experiments/contribution.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { experimentEstimates, experimentUsers } from '../../../src/jobs/experiments/processors.js';
import { alwaysValid } from '../../../src/jobs/experiments/stats/always-valid.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { seededRandom } from './stats/simulation.js';

const NULL_EXPERIMENTS = 400;
const EFFECT_EXPERIMENTS = 200;
const LOOKS = 12;
const USERS_PER_ARM_PER_INTERVAL = 10;
const INTERVAL = 1000;
const ALPHA = 0.05;
const TAU2 = 100;
/**
 * Purchase amounts: 50 + 10 N(0, 1), plus the experiment's effect in the treated arm. A user's revenue (one or two
 * purchases) has a standard deviation near 27, so with 120 users per arm at the end an effect per purchase of
 * 3.75 to 15 (about 5.6 to 22 per user) ends 1.6 to 6 standard errors from 0: some effects are found early, some
 * late, some never, which puts looks on both sides of alpha.
 */
const EFFECT = 15;

// Nothing is declared: every experiment is found in the stream.
const options: ExperimentOptions = { metrics: [{ metric: 'revenue', tau2: TAU2 }], emitInterval: INTERVAL, alpha: ALPHA, emit: 'reports' };

interface Experiment {
  id: string;
  /** [control, treatment]: half the null experiments have no variant named control (the first seen is control). */
  arms: [string, string];
  effect: number;
}

const experiments: Experiment[] = [
  ...Array.from(
    { length: NULL_EXPERIMENTS },
    (_, k): Experiment => ({ id: `null-${k}`, arms: k % 2 ? ['control', 'treatment'] : ['blue', 'green'], effect: 0 }),
  ),
  ...Array.from(
    { length: EFFECT_EXPERIMENTS },
    (_, k): Experiment => ({ id: `effect-${k}`, arms: ['control', 'treatment'], effect: (EFFECT * (1 + (k % 4))) / 4 }),
  ),
];

test(`${NULL_EXPERIMENTS} undeclared null experiments watched at every report: always-valid false positives <= 5%, intervals consistent with p-values`, (t) => {
  const random = seededRandom(2026);
  const byExperiment = new Map<string, ExperimentReport[]>();
  for (const x of experiments) {
    const users = OperatorHarness.of('process', {}, { processor: experimentUsers(options) });
    const estimates = OperatorHarness.of('process', {}, { processor: experimentEstimates(options) });
    let forwarded = 0;
    const forward = (watermark: number) => {
      users.processWatermark(watermark);
      for (const o of users.outputs.slice(forwarded)) estimates.processElement((o.value as ExperimentChange).experiment, o.value, o.timestamp);
      forwarded = users.outputs.length;
      estimates.processWatermark(watermark);
    };
    for (let look = 0; look < LOOKS; look++) {
      const start = look * INTERVAL;
      for (let u = 0; u < 2 * USERS_PER_ARM_PER_INTERVAL; u++) {
        // The first user of the first interval is in the first arm, so the first variant seen is the intended control.
        const arm = u % 2;
        const userId = `${look}/${u}`;
        const ts = start + 1 + u;
        const price = () => 50 + 10 * random.normal() + (arm === 1 ? x.effect : 0);
        users.processElement(userId, { type: 'exposure', userId, ts, experiment: { id: x.id, variant: x.arms[arm], randomized: true } }, ts);
        users.processElement(userId, { type: 'purchase', userId, itemId: 'i', ts: ts + 100, price: price(), qty: 1 }, ts + 100);
        // Half the users, at random, buy again in the next interval: their contribution is retracted and replaced
        // there. (At random: a fixed half per arm would balance the arms by design, and Welch's variance, which
        // assumes independent units, would overstate the difference's, making both intervals look better than they are.)
        if (random.uniform() < 0.5)
          users.processElement(userId, { type: 'purchase', userId, itemId: 'i', ts: ts + INTERVAL, price: price(), qty: 1 }, ts + INTERVAL);
      }
      forward(start + INTERVAL);
    }
    forward(Infinity);
    byExperiment.set(
      x.id,
      estimates.outputs.map((o) => o.value as ExperimentReport),
    );
  }

  let [alwaysValidHits, naiveHits, effectDetected, looksChecked, belowAlpha, ownIntervalContainsZero] = [0, 0, 0, 0, 0, 0];
  for (const x of experiments) {
    const reports = byExperiment.get(x.id)!;
    assert.ok(reports.length >= LOOKS, `${x.id}: a report at every interval (${reports.length})`);
    let [excluded, naive] = [false, false];
    for (const r of reports) {
      assert.equal(r.control, x.arms[0], `${x.id}: the control`);
      assert.equal(r.metrics[0]!.sampleRatio, null, 'no declared split, no sample-ratio check');
      const c = r.metrics[0]!.comparisons[0]!;
      naive ||= c.difference !== null && (c.difference.lower > 0 || c.difference.upper < 0);
      if (!c.alwaysValid) continue;
      const { lower, upper, pValue } = c.alwaysValid;
      const excludesZero = !(lower <= 0 && 0 <= upper);
      assert.equal(excludesZero, pValue < ALPHA, `${x.id} as of ${r.asOf}: interval [${lower}, ${upper}], always-valid p ${pValue}`);
      looksChecked++;
      if (pValue < ALPHA) {
        belowAlpha++;
        const own = alwaysValid(c.difference!.estimate, c.difference!.standardError ** 2, TAU2, ALPHA);
        if (own.lower <= 0 && 0 <= own.upper) ownIntervalContainsZero++;
      }
      excluded ||= excludesZero;
    }
    if (x.effect === 0) {
      alwaysValidHits += excluded ? 1 : 0;
      naiveHits += naive ? 1 : 0;
    } else effectDetected += excluded ? 1 : 0;
  }
  const rate = alwaysValidHits / NULL_EXPERIMENTS;
  const naiveRate = naiveHits / NULL_EXPERIMENTS;
  t.diagnostic(
    `null: always-valid false-positive rate ${rate} (${alwaysValidHits}/${NULL_EXPERIMENTS}), naive Welch watched the same way ${naiveRate}; effect ${EFFECT}: detected ${effectDetected}/${EFFECT_EXPERIMENTS}`,
  );
  t.diagnostic(`looks checked ${looksChecked}; with p < alpha ${belowAlpha}, of which the look's own interval contained 0 in ${ownIntervalContainsZero}`);
  assert.ok(rate <= 0.05, `always-valid false-positive rate ${rate}`);
  assert.ok(naiveRate >= 2 * Math.max(rate, 0.05), `naive rate ${naiveRate} should be far above alpha`);
  assert.ok(effectDetected >= EFFECT_EXPERIMENTS / 4, `effects detected in ${effectDetected}`);
  assert.ok(ownIntervalContainsZero > 0, 'some looks below alpha had their own interval around 0: the intersection made them agree');
});
