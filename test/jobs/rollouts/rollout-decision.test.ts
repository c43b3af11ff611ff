/**
 * The rollout's decisions against hand-worked values. With tau^2 = 0.0009 and alpha = 0.05 the always-valid
 * half-width at variance V is sqrt(V (V + tau^2) / tau^2 * (-2 ln alpha - ln(V / (V + tau^2)))), computed outside
 * the code (Python's math module):
 *   V = 1e-4   (se 0.01):  0.03035722436459644   -> 0.02 gives [-0.010357224364596438, 0.05035722436459644]
 *   V = 2.5e-5 (se 0.005): 0.015707574053507145  -> 0.015 gives [-0.0007075740535071456, 0.030707574053507145]
 *   with alpha = 0.025 (two guardrails share 0.05), V = 1e-4: 0.03279624639975658.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlywheelError } from '../../../src/core/errors.js';
import {
  applyCommand,
  initialRolloutState,
  observe,
  type ReportEvidence,
  type RolloutCommand,
  type RolloutState,
} from '../../../src/jobs/rollouts/rollout-decision.js';
import { resolveRolloutOptions, type RolloutSpec } from '../../../src/jobs/rollouts/rollout-options.js';

const spec = (over: Record<string, unknown> = {}): RolloutSpec =>
  resolveRolloutOptions({
    experimentStep: 'experiment-estimates',
    rollouts: [
      {
        id: 'policy-v2',
        schedule: [5, 20, 50, 100],
        guardrails: [{ metric: 'converted', direction: 'increase', margin: 0.01, tau2: 0.0009 }],
        minSamplePerArm: 100,
        ...over,
      },
    ],
  }).rollouts.get('policy-v2')!;

const evidence = (asOf: number, control: number, treatment: number, estimate: number | null, se = 0.01, metric = 'converted'): ReportEvidence => ({
  asOf,
  units: { control, treatment },
  differences: { [metric]: estimate === null ? null : { estimate, standardError: se } },
});

/** Relative closeness for hand-computed doubles (the code sums in another order: 1e-12 relative). */
const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `${actual} vs ${expected}`);

test('a look: the always-valid interval at the guardrail alpha; not safe while its lower bound is at or below -margin', () => {
  const s = spec();
  const { state, step } = observe(initialRolloutState(s), s, evidence(1000, 2000, 120, 0.02));
  assert.equal(step, null);
  const look = state.evidence!.guardrails[0]!;
  close(look.lower, -0.010357224364596438);
  close(look.upper, 0.05035722436459644);
  assert.equal(look.safe, false, '-0.010357 is below -0.01');
  assert.equal(look.harm, false);
  assert.deepEqual(state.evidence!.gainedThisStage, { control: 2000, treatment: 120 });
});

test('the next look intersects; once safe with the minimum sample gained in both arms, the share advances one step', () => {
  const s = spec();
  let state = observe(initialRolloutState(s), s, evidence(1000, 2000, 120, 0.02)).state;
  const r = observe(state, s, evidence(2000, 8000, 420, 0.015, 0.005));
  const look = r.state.evidence!.guardrails[0]!;
  close(look.lower, -0.0007075740535071456);
  close(look.upper, 0.030707574053507145);
  assert.ok(r.step);
  assert.deepEqual(
    {
      action: r.step.action,
      trigger: r.step.trigger,
      from: r.step.fromShare,
      to: r.step.toShare,
      stage: r.step.stage,
      status: r.step.status,
      seq: r.step.seq,
      at: r.step.at,
    },
    { action: 'advance', trigger: 'guardrails', from: 5, to: 20, stage: 1, status: 'running', seq: 1, at: 2000 },
  );
  assert.match(r.step.reason, /converted: lower bound -0\.0007076 > -0\.01.*control 8000, treatment 420/);
  state = r.state;
  assert.deepEqual(state.stageStart, { control: 8000, treatment: 420 });
  // The interval is still safe, but the new stage has gained nothing yet: no second advance on the same evidence.
  const again = observe(state, s, evidence(3000, 8050, 480, 0.015, 0.005));
  assert.equal(again.step, null);
  assert.deepEqual(again.state.evidence!.gainedThisStage, { control: 50, treatment: 60 });
  // 100 more in each arm: the next step; the running intersection is kept (a wider look does not widen it).
  const third = observe(again.state, s, evidence(4000, 8100, 520, 0.02, 0.01));
  assert.equal(third.step?.toShare, 50);
  close(third.state.evidence!.guardrails[0]!.lower, -0.0007075740535071456);
});

test('harm: an interval wholly below 0 rolls back to share 0 at once, and the rollout stays rolled back', () => {
  const s = spec();
  const r = observe(initialRolloutState(s), s, evidence(1000, 2000, 120, -0.05));
  assert.ok(r.step);
  assert.equal(r.step.action, 'rollback');
  assert.equal(r.step.toShare, 0);
  assert.equal(r.state.share, 0);
  assert.equal(r.state.status, 'rolled-back');
  close(r.state.evidence!.guardrails[0]!.upper, -0.019642775635403564);
  assert.match(r.step.reason, /harm detected on converted: its always-valid interval \[-0\.08036, -0\.01964\] lies below 0/);
  const later = observe(r.state, s, evidence(2000, 9000, 900, 0.03, 0.001));
  assert.equal(later.step, null, 'no step after a rollback');
  assert.equal(later.state.share, 0);
});

test('a metric that should decrease: harm above 0, safe below +margin', () => {
  const s = spec({ guardrails: [{ metric: 'errors', direction: 'decrease', margin: 0.01, tau2: 0.0009 }] });
  const harmed = observe(initialRolloutState(s), s, evidence(1000, 2000, 120, 0.05, 0.01, 'errors'));
  assert.equal(harmed.step?.action, 'rollback');
  assert.match(harmed.step!.reason, /lies above 0 \(lower is better\)/);
  const safe = observe(initialRolloutState(s), s, evidence(1000, 2000, 120, -0.025, 0.01, 'errors'));
  close(safe.state.evidence!.guardrails[0]!.upper, -0.025 + 0.03035722436459644);
  assert.equal(safe.step?.action, 'advance', 'upper bound 0.00536 < 0.01');
});

test('two guardrails share alpha (0.025 each), and every one must be safe to advance', () => {
  const s = spec({
    guardrails: [
      { metric: 'converted', direction: 'increase', margin: 0.05, tau2: 0.0009 },
      { metric: 'revenue', direction: 'increase', margin: 0.01, tau2: 0.0009 },
    ],
  });
  assert.equal(s.guardrails[0]!.alpha, 0.025);
  const e: ReportEvidence = {
    asOf: 1,
    units: { control: 500, treatment: 500 },
    differences: { converted: { estimate: 0, standardError: 0.01 }, revenue: { estimate: 0.02, standardError: 0.01 } },
  };
  const r = observe(initialRolloutState(s), s, e);
  close(r.state.evidence!.guardrails[0]!.lower, -0.03279624639975658);
  assert.equal(r.state.evidence!.guardrails[0]!.safe, true);
  assert.equal(r.state.evidence!.guardrails[1]!.safe, false, 'revenue: lower -0.0128 is below -0.01');
  assert.equal(r.step, null);
});

test('no look before 30 units per arm, nor without a difference', () => {
  const s = spec();
  const few = observe(initialRolloutState(s), s, evidence(1000, 2000, 29, -0.5));
  assert.equal(few.step, null);
  assert.equal(few.state.evidence!.guardrails[0]!.lower, null);
  const none = observe(initialRolloutState(s), s, evidence(1000, 2000, 200, null));
  assert.equal(none.state.evidence!.guardrails[0]!.harm, false);
});

const cmd = (command: RolloutCommand['command'], at = 5000): RolloutCommand => ({ id: `c-${command}-${at}`, command, reason: `because ${command}`, at });

test('operator commands: pause stops automatic advances but not rollbacks; resume, advance and rollback are steps with their reason', () => {
  const s = spec();
  let state: RolloutState = initialRolloutState(s);
  const paused = applyCommand(state, s, cmd('pause'));
  assert.deepEqual(
    {
      action: paused.step.action,
      trigger: paused.step.trigger,
      status: paused.step.status,
      reason: paused.step.reason,
      command: paused.step.command,
      at: paused.step.at,
    },
    { action: 'pause', trigger: 'operator', status: 'paused', reason: 'operator: because pause', command: 'c-pause-5000', at: 5000 },
  );
  state = paused.state;
  assert.equal(observe(state, s, evidence(6000, 8000, 420, 0.015, 0.005)).step, null, 'safe evidence does not advance a paused rollout');
  const advanced = applyCommand(state, s, cmd('advance', 7000));
  assert.equal(advanced.step.toShare, 20);
  assert.equal(advanced.state.status, 'paused', 'a manual advance keeps the pause');
  const resumed = applyCommand(advanced.state, s, cmd('resume', 8000));
  assert.equal(resumed.state.status, 'running');
  assert.deepEqual(
    resumed.state.steps.map((x) => [x.seq, x.action]),
    [
      [1, 'pause'],
      [2, 'advance'],
      [3, 'resume'],
    ],
  );
  const harmWhilePaused = observe(paused.state, s, evidence(6000, 2000, 120, -0.05));
  assert.equal(harmWhilePaused.step?.action, 'rollback');
  const back = applyCommand(resumed.state, s, cmd('rollback', 9000));
  assert.equal(back.state.share, 0);
  assert.throws(
    () => applyCommand(back.state, s, cmd('advance', 10_000)),
    (err: unknown) =>
      err instanceof FlywheelError &&
      err.code === 'FW_ERR_BAD_RECORD' &&
      /advance applies to a rollout that is running or paused; this one is rolled-back/.test(err.message),
  );
  assert.throws(() => applyCommand(initialRolloutState(s), s, cmd('resume')), /resume applies to a rollout that is paused; this one is running/);
});

test('the last step of the schedule completes the rollout', () => {
  const s = spec({ schedule: [50, 100] });
  const r = observe(initialRolloutState(s), s, evidence(1000, 2000, 2000, 0.02, 0.001));
  assert.equal(r.step?.toShare, 100);
  assert.equal(r.state.status, 'completed');
  assert.throws(() => applyCommand(r.state, s, cmd('advance')), /this one is completed/);
});
