/**
 * The rollout step, keyed by rollout id. Its input is the exposures of the rollouts (events whose experiment id is
 * a rollout's id) and the operators' commands. An exposure starts the rollout's looks: an event-time timer every
 * `lookEvery` (one timer per rollout and time: exposures of the same interval register the same one). At each timer
 * the step reads the latest report the experiments step has committed for the rollout's experiment (a read-only
 * lookup of its `report` state) and, when it is newer than the last one looked at, takes a look (rollout-decision.ts).
 * A rolled-back rollout looks no more. A command is applied when it arrives. Every step taken is emitted and kept, with the status, share, always-valid
 * looks and latest evidence, in value state `rollout`. Exposures of experiments that are not declared rollouts pass
 * by; a command for an undeclared rollout is a bad record.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { FiredTimer, KeyedProcessor, ProcessContext } from '../../api/types.js';
import type { ExperimentReport } from '../experiments/experiment-report.js';
import { EXPERIMENT_STATE } from '../experiments/experiment-stage.js';
import { applyCommand, initialRolloutState, observe, type RolloutState, type RolloutStep } from './rollout-decision.js';
import { commandOf, isCommandRecord, type CommandRecord } from './rollout-commands.js';
import { reportEvidence } from './rollout-evidence.js';
import type { ResolvedRolloutOptions } from './rollout-options.js';

export const ROLLOUT_STATE = { rollout: 'rollout' } as const;
const LOOK = 'look';

export type RolloutInput = Record<string, unknown> | CommandRecord;

export function rolloutSteps(options: ResolvedRolloutOptions): KeyedProcessor<RolloutInput, RolloutStep> {
  const E = options.lookEvery;
  const nextLook = (time: number) => (Math.floor(time / E) + 1) * E;

  function onRecord(record: RolloutInput, ctx: ProcessContext<RolloutStep>): void {
    const id = String(ctx.key);
    const spec = options.rollouts.get(id);
    if (!isCommandRecord(record)) {
      if (spec) ctx.timers.register(nextLook(ctx.timestamp), LOOK);
      return;
    }
    const command = commandOf(record as Record<string, unknown>);
    if (!spec)
      throw new FlywheelError(
        ErrorCodes.BAD_RECORD,
        `command ${command.id} names rollout '${id}', which the step does not declare (${[...options.rollouts.keys()].join(', ')})`,
        {},
        'send commands for declared rollouts only',
      );
    const handle = ctx.state<RolloutState>(ROLLOUT_STATE.rollout);
    const { state, step } = applyCommand(handle.get() ?? initialRolloutState(spec), spec, command);
    handle.set(state);
    ctx.emit(step);
  }

  function onTimer(timer: FiredTimer, ctx: ProcessContext<RolloutStep>): void {
    const spec = options.rollouts.get(String(ctx.key))!;
    const handle = ctx.state<RolloutState>(ROLLOUT_STATE.rollout);
    const state = handle.get() ?? initialRolloutState(spec);
    // A rolled-back rollout looks no more. Looks go on while the watermark moves (a finished input's +Infinity
    // would fire a new timer forever).
    if (state.status === 'rolled-back') return;
    if (Number.isFinite(ctx.watermark)) ctx.timers.register(timer.time + E, LOOK);
    const report = ctx.lookup.value<ExperimentReport>(options.experimentStep, spec.id, EXPERIMENT_STATE.report);
    if (!report || report.asOf <= (state.evidence?.asOf ?? -Infinity)) return;
    const evidence = reportEvidence(report, spec);
    if ('problem' in evidence) {
      if (evidence.problem !== state.problem) handle.set({ ...state, problem: evidence.problem });
      return;
    }
    const outcome = observe(state, spec, evidence);
    handle.set(outcome.state);
    if (outcome.step) ctx.emit(outcome.step, timer.time);
  }

  return { onRecord, onTimer };
}
