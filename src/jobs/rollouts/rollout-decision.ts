/**
 * The decisions of a rollout, as pure functions of its state: what one look at the evidence (one experiment report)
 * does, and what an operator's command does. Each guardrail metric has an always-valid confidence sequence of the
 * treatment-minus-control difference (the experiments statistics' mixture SPRT, stats/always-valid.ts, at the
 * guardrail's alpha: the rollout's alpha over its number of guardrails, so that the chance that any of them ever
 * wrongly shows harm stays below alpha), kept as the running intersection of the looks' intervals. Because the
 * sequence is valid however often it is looked at, every report may be a decision point:
 *   - harm: some guardrail's interval lies wholly on the bad side of 0 (below 0 for a metric that should increase,
 *     above 0 for one that should decrease): the rollout rolls back at once, to a share of 0, and stays there;
 *   - advance: the rollout is running, every guardrail's interval excludes harm beyond its margin (lower bound above
 *     -margin for `increase`, upper bound below +margin for `decrease`) and each arm gained at least
 *     minSamplePerArm units since the stage began: the share moves to the schedule's next step (the last step
 *     completes the rollout);
 *   - otherwise nothing changes but the evidence kept.
 * A guardrail is looked at from MIN_UNITS_PER_ARM units per arm on (the plug-in variance is too noisy before).
 * Commands: pause (running -> paused: no automatic advance; harm still rolls back), resume (paused -> running),
 * advance (running or paused: the next step, whatever the evidence), rollback (any but rolled-back). A command the
 * status does not allow is refused with FW_ERR_BAD_RECORD (its record goes to the dead-letter sink with the reason).
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { alwaysValid, MIN_UNITS_PER_ARM, type AlwaysValidResult } from '../experiments/stats/always-valid.js';
import type { GuardrailSpec, RolloutSpec } from './rollout-options.js';

export type RolloutStatus = 'running' | 'paused' | 'completed' | 'rolled-back';
export type RolloutCommandName = 'pause' | 'resume' | 'advance' | 'rollback';

export interface ArmUnits {
  control: number;
  treatment: number;
}

/** What one report says about a rollout: units per arm and, per guardrail metric, the difference (null while undefined). */
export interface ReportEvidence {
  asOf: number;
  units: ArmUnits;
  differences: Record<string, { estimate: number; standardError: number } | null>;
}

export interface GuardrailLook {
  metric: string;
  direction: GuardrailSpec['direction'];
  margin: number;
  alpha: number;
  /** This report's difference (treatment - control) and its standard error; null while undefined. */
  estimate: number | null;
  standardError: number | null;
  /** The always-valid interval: the running intersection over the looks; null before the first look. */
  lower: number | null;
  upper: number | null;
  harm: boolean;
  safe: boolean;
}

export interface RolloutEvidence {
  asOf: number;
  units: ArmUnits;
  gainedThisStage: ArmUnits;
  guardrails: GuardrailLook[];
}

export interface RolloutStep {
  rollout: string;
  /** 1 for a rollout's first step, then one more per step. */
  seq: number;
  action: RolloutCommandName;
  trigger: 'guardrails' | 'operator';
  fromShare: number;
  toShare: number;
  /** The schedule index after the step. */
  stage: number;
  status: RolloutStatus;
  reason: string;
  /** Event time: the report's for a guardrail step, the command's for an operator's. */
  at: number;
  /** The evidence the step was taken on (an operator's step: the latest evidence, if any). */
  evidence: RolloutEvidence | null;
  /** The id of the operator's command. */
  command?: string;
}

export interface RolloutState {
  rollout: string;
  status: RolloutStatus;
  stage: number;
  /** Treated share in percent. */
  share: number;
  /** Units per arm when the current stage began. */
  stageStart: ArmUnits;
  /** Per guardrail metric: the always-valid interval (running intersection) and p-value so far. */
  looks: Record<string, AlwaysValidResult>;
  /** The evidence of the latest report. */
  evidence: RolloutEvidence | null;
  /** Why the latest report could not judge the rollout (a guardrail metric it lacks), or null. */
  problem: string | null;
  steps: RolloutStep[];
}

export interface RolloutCommand {
  id: string;
  command: RolloutCommandName;
  reason: string;
  /** When the operator sent it (ms). */
  at: number;
}

const lastStage = (spec: RolloutSpec) => spec.schedule.length - 1;

export function initialRolloutState(spec: RolloutSpec): RolloutState {
  return {
    rollout: spec.id,
    status: lastStage(spec) === 0 ? 'completed' : 'running',
    stage: 0,
    share: spec.schedule[0]!,
    stageStart: { control: 0, treatment: 0 },
    looks: {},
    evidence: null,
    problem: null,
    steps: [],
  };
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

function look(g: GuardrailSpec, evidence: ReportEvidence, previous: AlwaysValidResult | undefined): { look: GuardrailLook; av: AlwaysValidResult | undefined } {
  const d = evidence.differences[g.metric] ?? null;
  const enough = evidence.units.control >= MIN_UNITS_PER_ARM && evidence.units.treatment >= MIN_UNITS_PER_ARM;
  const usable = d !== null && enough && Number.isFinite(d.estimate) && d.standardError > 0 && Number.isFinite(d.standardError);
  const av = usable ? alwaysValid(d.estimate, d.standardError ** 2, g.tau2, g.alpha, previous) : previous;
  const increase = g.direction === 'increase';
  return {
    av,
    look: {
      metric: g.metric,
      direction: g.direction,
      margin: g.margin,
      alpha: g.alpha,
      estimate: d?.estimate ?? null,
      standardError: d?.standardError ?? null,
      lower: av?.lower ?? null,
      upper: av?.upper ?? null,
      harm: av !== undefined && (increase ? av.upper < 0 : av.lower > 0),
      safe: av !== undefined && (increase ? av.lower > -g.margin : av.upper < g.margin),
    },
  };
}

function harmReason(l: GuardrailLook): string {
  const side = l.direction === 'increase' ? 'below 0 (higher is better)' : 'above 0 (lower is better)';
  return `harm detected on ${l.metric}: its always-valid interval [${fmt(l.lower!)}, ${fmt(l.upper!)}] lies ${side}`;
}

function advanceReason(looks: readonly GuardrailLook[], gained: ArmUnits, minSample: number): string {
  const bounds = looks.map((l) =>
    l.direction === 'increase'
      ? `${l.metric}: lower bound ${fmt(l.lower!)} > -${fmt(l.margin)}`
      : `${l.metric}: upper bound ${fmt(l.upper!)} < ${fmt(l.margin)}`,
  );
  return `every guardrail excludes harm beyond its margin (${bounds.join('; ')}) and each arm gained at least ${minSample} units in this stage (control ${gained.control}, treatment ${gained.treatment})`;
}

function withStep(state: RolloutState, step: Omit<RolloutStep, 'rollout' | 'seq'>, changes: Partial<RolloutState>): { state: RolloutState; step: RolloutStep } {
  const full: RolloutStep = { rollout: state.rollout, seq: state.steps.length + 1, ...step };
  return { state: { ...state, ...changes, steps: [...state.steps, full] }, step: full };
}

/** The state after one more report, and the step it caused, if any. */
export function observe(state: RolloutState, spec: RolloutSpec, evidence: ReportEvidence): { state: RolloutState; step: RolloutStep | null } {
  const looks = { ...state.looks };
  const guardrails = spec.guardrails.map((g) => {
    const r = look(g, evidence, looks[g.metric]);
    if (r.av) looks[g.metric] = r.av;
    return r.look;
  });
  const gained = { control: evidence.units.control - state.stageStart.control, treatment: evidence.units.treatment - state.stageStart.treatment };
  const current: RolloutEvidence = { asOf: evidence.asOf, units: evidence.units, gainedThisStage: gained, guardrails };
  const next: RolloutState = { ...state, looks, evidence: current, problem: null };
  if (state.status === 'rolled-back') return { state: next, step: null };
  const harmed = guardrails.find((l) => l.harm);
  const base = { trigger: 'guardrails' as const, fromShare: state.share, at: evidence.asOf, evidence: current };
  if (harmed)
    return withStep(
      next,
      { ...base, action: 'rollback', toShare: 0, stage: state.stage, status: 'rolled-back', reason: harmReason(harmed) },
      { share: 0, status: 'rolled-back' },
    );
  const sampled = gained.control >= spec.minSamplePerArm && gained.treatment >= spec.minSamplePerArm;
  if (state.status !== 'running' || !sampled || !guardrails.every((l) => l.safe)) return { state: next, step: null };
  const stage = state.stage + 1;
  const status: RolloutStatus = stage === lastStage(spec) ? 'completed' : 'running';
  const share = spec.schedule[stage]!;
  return withStep(
    next,
    { ...base, action: 'advance', toShare: share, stage, status, reason: advanceReason(guardrails, gained, spec.minSamplePerArm) },
    { stage, share, status, stageStart: evidence.units },
  );
}

/** Which statuses each command applies to. */
const ALLOWED: Record<RolloutCommandName, readonly RolloutStatus[]> = {
  pause: ['running'],
  resume: ['paused'],
  advance: ['running', 'paused'],
  rollback: ['running', 'paused', 'completed'],
};

/** Why `command` cannot apply to a rollout in `status`, or null when it can. */
export function commandRefusal(command: RolloutCommandName, status: RolloutStatus): string | null {
  if (ALLOWED[command].includes(status)) return null;
  return `${command} applies to a rollout that is ${ALLOWED[command].join(' or ')}; this one is ${status}`;
}

/** The state after an operator's command, and its step; throws FW_ERR_BAD_RECORD when the status does not allow it. */
export function applyCommand(state: RolloutState, spec: RolloutSpec, cmd: RolloutCommand): { state: RolloutState; step: RolloutStep } {
  const refusal = commandRefusal(cmd.command, state.status);
  if (refusal)
    throw new FlywheelError(ErrorCodes.BAD_RECORD, `rollout '${spec.id}': command ${cmd.id} refused: ${refusal}`, {}, 'read GET /rollouts/:id for its status');
  const base = { action: cmd.command, trigger: 'operator' as const, fromShare: state.share, at: cmd.at, evidence: state.evidence, command: cmd.id };
  const reason = `operator: ${cmd.reason}`;
  switch (cmd.command) {
    case 'pause':
      return withStep(state, { ...base, toShare: state.share, stage: state.stage, status: 'paused', reason }, { status: 'paused' });
    case 'resume':
      return withStep(state, { ...base, toShare: state.share, stage: state.stage, status: 'running', reason }, { status: 'running' });
    case 'rollback':
      return withStep(state, { ...base, toShare: 0, stage: state.stage, status: 'rolled-back', reason }, { share: 0, status: 'rolled-back' });
    case 'advance': {
      const stage = state.stage + 1;
      const share = spec.schedule[stage]!;
      const status: RolloutStatus = stage === lastStage(spec) ? 'completed' : state.status;
      const stageStart = state.evidence?.units ?? state.stageStart;
      return withStep(state, { ...base, toShare: share, stage, status, reason }, { stage, share, status, stageStart });
    }
  }
}
