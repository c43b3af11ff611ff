/**
 * Rollouts in a closed loop, many times over: users arrive 1,000 per report, each assigned by the rollout's hash at
 * the share the rollout has then (isTreated), converting with probability 0.30 in control and 0.30 + effect when
 * treated; after each report the rollout looks (observe) with the Welch difference of the two arms. Schedule 5, 20,
 * 50, 100%; one guardrail (conversion, higher is better), margin 0.02, tau^2 0.0025, alpha 0.05, 500 units per arm
 * per stage; 80 reports (80,000 users) per rollout.
 *   - harmful (effect -0.05, beyond the margin), 20 seeds: every one rolled back, none ever past its second step;
 *   - good (effect +0.03), 20 seeds: every one reaches 100%;
 *   - null (no effect), 400 seeds: rolled back no more often than alpha allows. If the true rate of a false rollback
 *     were alpha itself, 400 rollouts would exceed the bound used here (the binomial(400, 0.05) 99.9% quantile,
 *     computed below) with probability under 0.001; the always-valid guarantee says the rate is at most alpha (about
 *     alpha / 2 in fact, as harm is one side of a two-sided sequence). The same looks judged by a fixed-horizon 95%
 *     interval (what watching a plain interval after every report does) exceed that bound, so the check can tell
 *     the two apart.
 * 20 seeds per effect show the outcome is no lucky draw; every seed is fixed, so the test gives the same result on
 * every run. 400 null seeds make the bound tight enough (35 of 400, 8.75%) to catch the naive interval (seen: 6 of
 * 400 null rollouts rolled back, 1.5%; the naive interval flagged 85, 21.25%).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { normalQuantile } from '../../../src/jobs/experiments/stats/distributions.js';
import { isTreated } from '../../../src/jobs/rollouts/rollout-assignment.js';
import { initialRolloutState, observe, type RolloutState } from '../../../src/jobs/rollouts/rollout-decision.js';
import { resolveRolloutOptions, type RolloutSpec } from '../../../src/jobs/rollouts/rollout-options.js';

const BASE = 0.3;
const USERS_PER_REPORT = 1000;
const REPORTS = 80;
const ALPHA = 0.05;

const specFor = (id: string): RolloutSpec =>
  resolveRolloutOptions({
    experimentStep: 'experiments',
    rollouts: [
      {
        id,
        schedule: [5, 20, 50, 100],
        guardrails: [{ metric: 'converted', direction: 'increase', margin: 0.02, tau2: 0.0025 }],
        alpha: ALPHA,
        minSamplePerArm: 500,
      },
    ],
  }).rollouts.get(id)!;

interface Arm {
  n: number;
  conversions: number;
}

/** Welch's difference (treatment - control) of two 0/1 arms and its standard error. */
function difference(control: Arm, treatment: Arm): { estimate: number; standardError: number } {
  const variance = (a: Arm) => {
    const p = a.conversions / a.n;
    return (p * (1 - p) * a.n) / (a.n - 1);
  };
  return {
    estimate: treatment.conversions / treatment.n - control.conversions / control.n,
    standardError: Math.sqrt(variance(treatment) / treatment.n + variance(control) / control.n),
  };
}

interface Run {
  final: RolloutState;
  maxShare: number;
  /** Whether a fixed-horizon 95% interval wholly below 0 was seen at some report. */
  naiveHarm: boolean;
}

function simulate(seed: number, effect: number): Run {
  const id = `rollout-${seed}`;
  const spec = specFor(id);
  const random = mulberry32(seed);
  const z = normalQuantile(1 - ALPHA / 2);
  const arms = { control: { n: 0, conversions: 0 }, treatment: { n: 0, conversions: 0 } };
  let state = initialRolloutState(spec);
  let maxShare = state.share;
  let naiveHarm = false;
  for (let report = 1; report <= REPORTS && state.status !== 'rolled-back'; report++) {
    for (let i = 0; i < USERS_PER_REPORT; i++) {
      const treated = isTreated(id, `u${report}-${i}`, state.share);
      const arm = treated ? arms.treatment : arms.control;
      arm.n += 1;
      if (random() < BASE + (treated ? effect : 0)) arm.conversions += 1;
    }
    const d = arms.treatment.n > 1 && arms.control.n > 1 ? difference(arms.control, arms.treatment) : null;
    if (d && arms.treatment.n >= 30 && d.estimate + z * d.standardError < 0) naiveHarm = true;
    state = observe(state, spec, { asOf: report, units: { control: arms.control.n, treatment: arms.treatment.n }, differences: { converted: d } }).state;
    maxShare = Math.max(maxShare, state.share);
  }
  return { final: state, maxShare, naiveHarm };
}

const seeds = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test('a harmful policy is rolled back on every seed and never passes its second step', () => {
  for (const seed of seeds(1, 20)) {
    const run = simulate(seed, -0.05);
    assert.equal(run.final.status, 'rolled-back', `seed ${seed}`);
    assert.ok(run.maxShare <= 20, `seed ${seed} reached ${run.maxShare}%`);
    assert.equal(run.final.steps.at(-1)!.action, 'rollback');
  }
});

test('a good policy reaches 100% on every seed, one schedule step at a time', () => {
  for (const seed of seeds(101, 20)) {
    const run = simulate(seed, 0.03);
    assert.equal(run.final.share, 100, `seed ${seed}: ${run.final.status} at ${run.final.share}%`);
    assert.deepEqual(
      run.final.steps.map((s) => s.toShare),
      [20, 50, 100],
    );
  }
});

/** The least k with P(Binomial(n, p) <= k) >= q. */
function binomialQuantile(n: number, p: number, q: number): number {
  let pmf = (1 - p) ** n;
  let cdf = pmf;
  let k = 0;
  while (cdf < q) {
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
    k += 1;
    cdf += pmf;
  }
  return k;
}

test('a null policy is rolled back no more often than alpha allows, where watching a fixed-horizon interval is not', (t) => {
  const runs = seeds(1001, 400).map((seed) => simulate(seed, 0));
  const bound = binomialQuantile(runs.length, ALPHA, 0.999);
  const rolledBack = runs.filter((r) => r.final.status === 'rolled-back').length;
  const naive = runs.filter((r) => r.naiveHarm).length;
  assert.ok(rolledBack <= bound, `${rolledBack} of ${runs.length} null rollouts rolled back (bound ${bound})`);
  assert.ok(naive > bound, `the naive interval flagged ${naive} of ${runs.length}: the check could not tell it apart`);
  t.diagnostic(`null rollouts rolled back: ${rolledBack} of ${runs.length} (bound ${bound}); naive fixed-horizon interval: ${naive}`);
});
