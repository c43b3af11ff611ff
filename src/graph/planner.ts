/**
 * The planner cuts a graph into stages at keyBy steps. Stage 0 holds the sources and the stateless steps before the
 * first keyBy (they run on the main thread, in source-partition order). Each keyBy opens a keyed stage whose steps
 * run fused in the worker that holds the slot of the record's key group; a keyBy inside a keyed stage hands records
 * on to the next stage (an internal repartition). Sinks run where their input runs.
 */
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { JobGraph, StepSpec } from './model.js';

export interface StagePlan {
  index: number;
  /** The keyBy step that feeds this stage; null for stage 0. */
  entry: string | null;
  /** Steps of the stage in topological order (the entry keyBy first). */
  steps: string[];
  /** Stages this stage's keyBy reads from. */
  upstream: number[];
}

export interface Plan {
  graph: JobGraph;
  stages: StagePlan[];
  stageOf: ReadonlyMap<string, number>;
  keyGroups: number;
  slots: number;
}

export const DEFAULT_SLOTS = 16;

export function planGraph(graph: JobGraph, slots = DEFAULT_SLOTS): Plan {
  const keyGroups = graph.settings.keyGroups;
  const slotCount = Math.max(1, Math.min(slots, keyGroups));
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  const order = topologicalOrder(graph.steps, byId);
  const stageOf = new Map<string, number>();
  const stages: StagePlan[] = [{ index: 0, entry: null, steps: [], upstream: [] }];
  for (const step of order) {
    let stage: number;
    if (step.kind === 'keyBy') {
      stage = stages.length;
      const upstream = [...new Set(step.inputs.map((i) => stageOf.get(i.step)!))];
      stages.push({ index: stage, entry: step.id, steps: [], upstream });
    } else if (step.inputs.length === 0) {
      stage = 0;
    } else {
      const inputStages = new Set(step.inputs.map((i) => stageOf.get(i.step)!));
      if (inputStages.size > 1) {
        throw new FlywheelError(
          ErrorCodes.GRAPH_INVALID,
          `step '${step.id}' joins streams partitioned by different keyBy steps`,
          { stepId: step.id, ...(step.origin ?? {}) },
          'union the streams before one keyBy, so that both sides are partitioned the same way',
        );
      }
      stage = [...inputStages][0]!;
    }
    stageOf.set(step.id, stage);
    stages[stage]!.steps.push(step.id);
  }
  return { graph, stages, stageOf, keyGroups, slots: slotCount };
}

function topologicalOrder(steps: readonly StepSpec[], byId: Map<string, StepSpec>): StepSpec[] {
  const done = new Set<string>();
  const order: StepSpec[] = [];
  const visit = (step: StepSpec): void => {
    if (done.has(step.id)) return;
    done.add(step.id);
    for (const input of step.inputs) visit(byId.get(input.step)!);
    order.push(step);
  };
  for (const step of steps) visit(step);
  return order;
}

/** The slot that owns a key group: contiguous ranges of key groups per slot, so a range can move as a unit. */
/** Stages that read records straight from the sources (stage 0 exits into them), by stage index. */
export function sourceFedStages(plan: Plan): boolean[] {
  return plan.stages.map((stage) => stage.entry !== null && stage.upstream.includes(0));
}

export function slotOfKeyGroup(keyGroup: number, keyGroups: number, slots: number): number {
  return Math.floor((keyGroup * slots) / keyGroups);
}

export function keyGroupsOfSlot(slot: number, keyGroups: number, slots: number): number[] {
  const groups: number[] = [];
  for (let kg = 0; kg < keyGroups; kg++) if (slotOfKeyGroup(kg, keyGroups, slots) === slot) groups.push(kg);
  return groups;
}

/** A readable description of the plan, for `flywheel describe`; `intake` says where stage 0 runs (runtime.intake). */
export function describePlan(plan: Plan, intake: 'main' | 'workers' = 'main'): string {
  const lines = [`job ${plan.graph.name} (graph ${plan.graph.hash}): ${plan.keyGroups} key groups over ${plan.slots} slots`];
  const stage0 = intake === 'main' ? 'main thread, source order' : 'worker threads for sources any thread can read, else main thread; source order';
  for (const stage of plan.stages) {
    const where = stage.entry === null ? stage0 : `keyed by ${stage.entry}, in worker slots`;
    lines.push(`stage ${stage.index} (${where})${stage.upstream.length ? ` <- stage ${stage.upstream.join(', ')}` : ''}`);
    const byId = new Map(plan.graph.steps.map((s) => [s.id, s]));
    for (const id of stage.steps) {
      const step = byId.get(id)!;
      const from = step.inputs.map((i) => (i.port === 'main' ? i.step : `${i.step}.${i.port}`)).join(', ');
      lines.push(`  ${step.kind.padEnd(8)} ${id}${from ? ` <- ${from}` : ''}${describeConfig(step)}`);
    }
  }
  return lines.join('\n');
}

function describeConfig(step: StepSpec): string {
  const c = step.config as Record<string, unknown>;
  if (step.kind === 'source' || step.kind === 'sink') return `  [${(c.connector as { type: string }).type}]`;
  if (step.kind === 'window') return `  [${JSON.stringify(c.assigner)}${c.allowedLateness ? `, lateness ${c.allowedLateness}ms` : ''}]`;
  if (step.kind === 'keyBy' && c.field) return `  [field ${c.field}]`;
  return '';
}
