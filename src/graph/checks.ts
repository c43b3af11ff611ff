/**
 * Structural checks of a graph, shared by the TypeScript builder and the YAML loader: unique ids, known kinds,
 * existing inputs and ports, no cycles, keyed steps only after a keyBy, sources without inputs, sinks with one, each
 * operator's own cross-key checks, and no window or process step in the stage after an async step.
 * Each failure names the step (and its file, YAML path and line when it came from YAML) and says what to do.
 */
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { operatorType } from '../operators/registry.js';
import { LATE_PORT, MAIN_PORT, type JobGraph, type StepSpec } from './model.js';

function fail(step: StepSpec | undefined, message: string, hint: string, pathSuffix = ''): never {
  const origin = step?.origin;
  throw new FlywheelError(
    ErrorCodes.GRAPH_INVALID,
    message,
    {
      ...(step ? { stepId: step.id } : {}),
      ...(origin ? { file: origin.file, path: origin.path + pathSuffix, ...(origin.line !== undefined ? { line: origin.line } : {}) } : {}),
    },
    hint,
  );
}

export function checkGraph(graph: JobGraph): void {
  const byId = new Map<string, StepSpec>();
  if (!Number.isInteger(graph.settings.keyGroups) || graph.settings.keyGroups < 1 || graph.settings.keyGroups > 32768) {
    fail(undefined, `keyGroups must be an integer from 1 to 32768, got ${graph.settings.keyGroups}`, 'use a power of two such as 128');
  }
  for (const step of graph.steps) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(step.id)) {
      fail(step, `step id '${step.id}' is not valid`, 'ids start with a letter and use letters, digits, - and _');
    }
    if (byId.has(step.id)) fail(step, `duplicate step id '${step.id}'`, 'give every step its own id: ids name state, metrics and errors');
    byId.set(step.id, step);
  }
  for (const step of graph.steps) checkStep(step, byId, graph);
  checkAcyclic(graph, byId);
  for (const step of graph.steps) checkKeyed(step, byId);
  for (const step of graph.steps) {
    const problem = operatorType(step.kind)?.checkStep?.(step);
    if (problem) fail(step, problem.message, problem.hint, problem.path);
  }
  checkAfterSettling(graph);
}

/**
 * An async step hands its results on after the batch's records, when the batch's watermark may have passed them:
 * a window or process step fed by it in the same stage would judge lateness and fire timers by how records were
 * batched, which a replay does not repeat. A keyBy between them starts a new stage, whose records carry the
 * watermark from before the batch that produced them.
 */
function checkAfterSettling(graph: JobGraph): void {
  const readers = new Map<string, StepSpec[]>();
  for (const step of graph.steps) for (const input of step.inputs) readers.set(input.step, [...(readers.get(input.step) ?? []), step]);
  for (const step of graph.steps) {
    if (!operatorType(step.kind)?.settles) continue;
    const pending = [...(readers.get(step.id) ?? [])];
    for (let next = pending.pop(); next; next = pending.pop()) {
      if (next.kind === 'keyBy') continue;
      const type = operatorType(next.kind);
      if (type?.keyed && !type.settles) {
        fail(
          next,
          `a ${next.kind} step cannot read from async step '${step.id}' in the same stage`,
          `put a keyBy between '${step.id}' and '${next.id}': results of an async step are handed on after their batch's records, when the watermark may have passed them`,
          '.from',
        );
      }
      pending.push(...(readers.get(next.id) ?? []));
    }
  }
}

function checkStep(step: StepSpec, byId: Map<string, StepSpec>, graph: JobGraph): void {
  const isStructural = step.kind === 'source' || step.kind === 'sink' || step.kind === 'keyBy' || step.kind === 'union';
  if (!isStructural && !operatorType(step.kind)) {
    fail(step, `unknown step kind '${step.kind}'`, 'use source, sink, keyBy, union, map, filter, flatMap, window, process or async');
  }
  if (step.kind === 'source' && step.inputs.length > 0) fail(step, 'a source takes no input', "remove 'from' from the source");
  if (step.kind !== 'source' && step.inputs.length === 0 && step.id !== graph.settings.deadLetter) {
    fail(step, 'step has no input', "name the step it reads from with 'from'", '.from');
  }
  if ((step.kind === 'sink' || step.kind === 'keyBy' || !isStructural) && step.inputs.length > 1) {
    fail(step, `a ${step.kind} step reads one input, got ${step.inputs.length}`, 'combine streams with a union step first', '.from');
  }
  for (const input of step.inputs) {
    const upstream = byId.get(input.step);
    if (!upstream) fail(step, `input '${input.step}' is not a step of this job`, `use one of: ${[...byId.keys()].join(', ')}`, '.from');
    if (upstream.kind === 'sink') fail(step, `input '${input.step}' is a sink, which has no output`, 'read from the step before the sink', '.from');
    if (input.port !== MAIN_PORT) {
      const ports = upstream.kind === 'process' ? null : (operatorType(upstream.kind)?.sidePorts ?? []);
      if (ports !== null && !ports.includes(input.port)) {
        fail(
          step,
          `step '${input.step}' has no output '${input.port}'`,
          input.port === LATE_PORT ? 'only window steps have a late output' : `use '${input.step}' or a side output it emits`,
          '.from',
        );
      }
    }
  }
  if (graph.settings.deadLetter !== undefined && step.id === graph.settings.deadLetter && step.kind !== 'sink') {
    fail(step, 'the dead-letter destination must be a sink', 'point deadLetter at a sink step');
  }
}

function checkAcyclic(graph: JobGraph, byId: Map<string, StepSpec>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: StepSpec, trail: string[]): void => {
    if (state.get(step.id) === 'done') return;
    if (state.get(step.id) === 'visiting') {
      fail(
        step,
        `cycle: ${[...trail.slice(trail.indexOf(step.id)), step.id].join(' -> ')}`,
        'a dataflow must not loop back; remove one of these inputs',
        '.from',
      );
    }
    state.set(step.id, 'visiting');
    for (const input of step.inputs) visit(byId.get(input.step)!, [...trail, step.id]);
    state.set(step.id, 'done');
  };
  for (const step of graph.steps) visit(step, []);
}

/** True when every path from a source to this step passes a keyBy. */
function isKeyedStream(stepId: string, byId: Map<string, StepSpec>): boolean {
  const step = byId.get(stepId)!;
  if (step.kind === 'keyBy') return true;
  if (step.kind === 'source') return false;
  return step.inputs.length > 0 && step.inputs.every((i) => isKeyedStream(i.step, byId));
}

function checkKeyed(step: StepSpec, byId: Map<string, StepSpec>): void {
  if (!operatorType(step.kind)?.keyed) return;
  if (!step.inputs.every((i) => isKeyedStream(i.step, byId))) {
    fail(step, `a ${step.kind} step needs keyed input`, `put a keyBy step before '${step.id}'`, '.from');
  }
}
