/**
 * Runs the fused steps of one stage for one batch: records enter at the stage's entry (its keyBy, or the sources
 * for stage 0), flow through operators by direct calls, and leave through sinks (outputs) or through a keyBy that
 * feeds another stage (exits). Watermarks fire due timers in time order. Each step's on-error policy applies here:
 * fail stops the job with the step, key and source position; skip counts the record; deadLetter sends it, with the
 * reason, to the job's dead-letter sink. A step that waits on the outside world (async) holds records and hands
 * their results on in `settle()`, which the slot runs after the batch's records and before it commits.
 */
import { pathReader } from '../api/aggregators.js';
import type { Key, Millis } from '../api/types.js';
import { LATE_PORT, MAIN_PORT, type JobGraph, type StepSpec } from '../graph/model.js';
import type { Plan } from '../graph/planner.js';
import type { HeldRecord, Operator } from '../operators/operator.js';
import { operatorType } from '../operators/registry.js';
import type { SlotBatch } from '../state/slot-batch.js';
import type { StateReader } from '../state/reader.js';
import { ErrorCodes, FlywheelError, type ErrorPlace } from '../core/errors.js';
import { NodeContext, type EmitTarget } from './keyed-context.js';
import { keyGroupOf, normalizeKey } from '../core/key-groups.js';
import { derivedId } from './record-id.js';
import { countersFor, type StepCounts } from './step-metrics.js';
import { deadLetterValue } from './dead-letter-payload.js';

/** Where records leave a stage. */
export interface StageOutputs {
  sink(sinkId: string, id: string, key: Key | null, value: unknown, timestamp: Millis, headers?: Record<string, string>): void;
  exit(toStage: number, id: string, key: Key, kg: number, value: unknown, timestamp: Millis): void;
}

/** The source position of the record being processed, for error messages and dead letters. */
export interface RecordOrigin {
  partitionId: string | null;
  offset: number;
}

type NodeKind = 'operator' | 'sink' | 'exit' | 'pass';

interface Node {
  step: StepSpec;
  kind: NodeKind;
  operator: Operator | null;
  ctx: NodeContext;
  children: Map<string, Node[]>;
  exitStage: number;
  keyOf: ((value: unknown) => unknown) | null;
}

export class StageExecutor implements EmitTarget {
  watermark: Millis = -Infinity;
  counts: StepCounts = {};
  /** Where the record being processed was read (null, -1 for a forwarded record or a timer); set in place. */
  readonly origin: RecordOrigin = { partitionId: null, offset: -1 };
  private readonly nodes = new Map<string, Node>();
  private readonly timerNodes: Node[] = [];
  /** Nodes whose operator holds records until `settle()`. */
  private readonly settlingNodes: Node[] = [];
  private readonly keyGroups: number;
  private readonly deadLetter: string | undefined;

  constructor(
    plan: Plan,
    readonly stage: number,
    private readonly outputs: StageOutputs,
    batch: SlotBatch | null,
    /** Read-only lookups of the job's committed state (ctx.lookup), for keyed stages. */
    lookup: StateReader | null = null,
  ) {
    const graph = plan.graph;
    this.keyGroups = plan.keyGroups;
    this.deadLetter = graph.settings.deadLetter;
    const stageSteps = new Set(plan.stages[stage]!.steps);
    for (const step of graph.steps) {
      if (!stageSteps.has(step.id)) continue;
      this.nodes.set(step.id, this.createNode(step, batch, lookup));
    }
    // keyBy steps of later stages that read from this stage are this stage's exits.
    for (const later of plan.stages) {
      if (later.entry === null || !later.upstream.includes(stage)) continue;
      const step = graph.steps.find((s) => s.id === later.entry)!;
      const exit: Node = { ...this.createNode(step, batch, lookup), kind: 'exit', exitStage: later.index };
      this.nodes.set(`exit:${step.id}`, exit);
    }
    this.wire(graph, stageSteps);
  }

  /** The entry node's step id for keyed stages; records of stage 0 enter at their source step. */
  processRecord(entryStep: string, value: unknown, timestamp: Millis, id: string, key: Key, kg: number): void {
    // An entry keyBy's input and output are counted where the record left the upstream stage (its exit node); a
    // source's here.
    const node = this.nodes.get(entryStep)!;
    if (node.step.kind !== 'source') {
      this.forward(node, MAIN_PORT, value, timestamp, id, key, kg);
      return;
    }
    countersFor(this.counts, entryStep).in++;
    this.passOn(node, MAIN_PORT, value, timestamp, id, key, kg);
  }

  /** Advances the watermark and fires every due timer, in time order, until none is left. */
  advanceWatermark(watermark: Millis, batch: SlotBatch | null): void {
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    if (!batch) return;
    batch.watermark = watermark;
    for (let fired = true; fired; ) {
      fired = false;
      for (const node of this.timerNodes) {
        for (const t of batch.timers.takeDue(node.step.id, watermark)) {
          fired = true;
          this.origin.partitionId = null;
          this.origin.offset = -1;
          this.guard(node, t.key, undefined, () =>
            node.operator!.onTimer!(
              { time: t.time, namespace: t.namespace },
              node.ctx.forTimer(t.key, t.kg, { time: t.time, namespace: t.namespace }, t.registeredBy),
            ),
          );
        }
      }
    }
    for (const node of this.nodes.values()) node.operator?.onWatermark?.(watermark);
  }

  /** Whether the stage has steps that hold records until `settle()`. */
  get settles(): boolean {
    return this.settlingNodes.length > 0;
  }

  /**
   * Hands on the results of every held record (and of what those results cause in later holding steps), so that the
   * batch commits only once they are all known; a record still awaiting its result at a crash is read again.
   */
  async settle(): Promise<void> {
    for (let busy = true; busy; ) {
      busy = false;
      for (const node of this.settlingNodes) if (await node.operator!.settle!()) busy = true;
    }
  }

  /** Captures the record a node is processing, with its source position, for a result handed on in `settle()`. */
  hold(stepId: string, value: unknown, key: Key, kg: number, timestamp: Millis, id: string): HeldRecord {
    const node = this.nodes.get(stepId)!;
    const { partitionId, offset } = this.origin;
    const restore = (): void => {
      this.origin.partitionId = partitionId;
      this.origin.offset = offset;
      node.ctx.forRecord(key, kg, timestamp, id);
    };
    return {
      id,
      value,
      emit: (result) => {
        restore();
        node.ctx.emit(result);
      },
      sideOutput: (tag, result) => {
        restore();
        node.ctx.sideOutput(tag, result);
      },
      fail: (err) => {
        restore();
        // The operator's error names the step; the record's key and source position are known here. A dead letter's
        // reason is the code and the message alone: the step and position are fields of the dead letter.
        const own = err instanceof FlywheelError && err.place.stepId === stepId;
        const stopping = node.step.onError === 'fail' || this.deadLetter === undefined;
        const placed = !own
          ? err
          : stopping
            ? new FlywheelError(err.code, err.detail, this.place(stepId, key), err.hint, err.cause)
            : new Error(`${err.code} ${err.detail}`);
        this.stepFailed(node, key, value, placed);
      },
    };
  }

  /** The earliest pending timer of this stage's steps in the batch's slot. */
  nextTimer(batch: SlotBatch): number {
    let min = Infinity;
    for (const node of this.timerNodes) min = Math.min(min, batch.timers.next(node.step.id));
    return min;
  }

  emitFrom(stepId: string, port: string, value: unknown, timestamp: Millis, id: string, key: Key, kg: number): void {
    const node = this.nodes.get(stepId)!;
    const counters = countersFor(this.counts, stepId);
    if (port === LATE_PORT) counters.late++;
    else counters.out++;
    const children = node.children.get(port);
    if (children && children.length > 0) {
      for (const child of children) this.deliver(child, value, timestamp, id, key, kg);
    } else if (port !== MAIN_PORT && this.deadLetter !== undefined) {
      this.sendToDeadLetter(
        node,
        key,
        value,
        timestamp,
        id,
        port === LATE_PORT ? 'late record: every window it belongs to has closed' : `side output '${port}' has no consumer`,
      );
    }
  }

  private deliver(node: Node, value: unknown, timestamp: Millis, id: string, key: Key, kg: number): void {
    const counters = countersFor(this.counts, node.step.id);
    counters.in++;
    switch (node.kind) {
      case 'sink':
        counters.out++;
        this.outputs.sink(node.step.id, id, key === '' ? null : key, value, timestamp);
        return;
      case 'pass':
        this.passOn(node, MAIN_PORT, value, timestamp, node.step.inputs.length > 1 ? derivedId(id, node.step.id, MAIN_PORT, 0) : id, key, kg);
        return;
      case 'exit':
        // Inline, not under guard(): this runs for every record the main thread routes, and a closure per record costs.
        try {
          const newKey = normalizeKey(node.keyOf!(value));
          if (newKey === undefined) {
            throw new FlywheelError(
              ErrorCodes.BAD_RECORD,
              `record has no usable key${node.step.config.field ? ` at field '${String(node.step.config.field)}'` : ''}`,
              { stepId: node.step.id },
              'keys must be strings or finite numbers; filter out or fix such records before the keyBy',
            );
          }
          counters.out++;
          this.outputs.exit(node.exitStage, id, newKey, keyGroupOf(newKey, this.keyGroups), value, timestamp);
        } catch (err) {
          this.stepFailed(node, key, value, err);
        }
        return;
      case 'operator':
        // Inline, not under guard(), for the same reason as exits.
        try {
          node.operator!.onRecord(value, node.ctx.forRecord(key, kg, timestamp, id));
        } catch (err) {
          this.stepFailed(node, key, value, err);
        }
        return;
    }
  }

  private passOn(node: Node, port: string, value: unknown, timestamp: Millis, id: string, key: Key, kg: number): void {
    countersFor(this.counts, node.step.id).out++;
    this.forward(node, port, value, timestamp, id, key, kg);
  }

  private forward(node: Node, port: string, value: unknown, timestamp: Millis, id: string, key: Key, kg: number): void {
    for (const child of node.children.get(port) ?? []) this.deliver(child, value, timestamp, id, key, kg);
  }

  /** Runs user code under the step's on-error policy. */
  private guard(node: Node, key: Key, value: unknown, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.stepFailed(node, key, value, err);
    }
  }

  /** Applies the step's on-error policy to an error its code threw: skip, dead-letter, or fail the job. */
  private stepFailed(node: Node, key: Key, value: unknown, err: unknown): void {
    const counters = countersFor(this.counts, node.step.id);
    counters.errors++;
    const reason = err instanceof Error ? err.message : String(err);
    if (node.step.onError === 'skip') {
      counters.skipped++;
      return;
    }
    if (node.step.onError === 'deadLetter' && this.deadLetter !== undefined && value !== undefined) {
      this.sendToDeadLetter(node, key, value, node.ctx.timestamp, node.ctx.cause, reason);
      return;
    }
    if (err instanceof FlywheelError && err.place.stepId === node.step.id) throw err;
    throw new FlywheelError(
      ErrorCodes.USER_CODE,
      `step failed: ${reason}`,
      this.place(node.step.id, key),
      "fix the step's code, or set its onError to skip or deadLetter",
      err,
    );
  }

  private sendToDeadLetter(node: Node, key: Key, value: unknown, timestamp: Millis, cause: string, reason: string): void {
    countersFor(this.counts, node.step.id).deadLettered++;
    const place = this.place(node.step.id, key);
    const headers: Record<string, string> = { 'flywheel-reason': reason, 'flywheel-step': node.step.id };
    if (place.partition !== undefined) headers['flywheel-source'] = `${this.origin.partitionId}@${this.origin.offset}`;
    const origin = { reason, step: node.step.id, source: place.source ?? null, partition: place.partition ?? null, offset: place.offset ?? null };
    this.outputs.sink(
      this.deadLetter!,
      derivedId(cause, node.step.id, 'deadLetter', 0),
      key === '' ? null : key,
      deadLetterValue(origin, undefined, value),
      timestamp,
      headers,
    );
  }

  private place(stepId: string, key: Key): ErrorPlace {
    const place: ErrorPlace = { stepId };
    if (key !== '') place.key = key;
    if (this.origin.partitionId !== null) {
      const [source, partition] = this.origin.partitionId.split(':');
      place.source = source!;
      place.partition = Number(partition);
      place.offset = this.origin.offset;
    }
    return place;
  }

  private createNode(step: StepSpec, batch: SlotBatch | null, lookup: StateReader | null): Node {
    const type = operatorType(step.kind);
    const kind: NodeKind = type ? 'operator' : step.kind === 'sink' ? 'sink' : 'pass';
    const operator = type ? type.create(step) : null;
    const node: Node = {
      step,
      kind,
      operator,
      ctx: new NodeContext(step.id, this, batch, lookup),
      children: new Map(),
      exitStage: -1,
      keyOf: step.kind === 'keyBy' ? keyFunction(step) : null,
    };
    if (operator?.onTimer) this.timerNodes.push(node);
    if (operator?.settle) this.settlingNodes.push(node);
    return node;
  }

  private wire(graph: JobGraph, stageSteps: Set<string>): void {
    for (const step of graph.steps) {
      const isExit = step.kind === 'keyBy' && !stageSteps.has(step.id) && this.nodes.has(`exit:${step.id}`);
      const node = isExit ? this.nodes.get(`exit:${step.id}`)! : stageSteps.has(step.id) ? this.nodes.get(step.id)! : null;
      if (!node) continue;
      for (const input of step.inputs) {
        const parent = this.nodes.get(input.step);
        if (!parent || (step.kind === 'keyBy' && stageSteps.has(step.id))) continue;
        const list = parent.children.get(input.port) ?? [];
        list.push(node);
        parent.children.set(input.port, list);
      }
    }
  }
}

export function keyFunction(step: StepSpec): (value: unknown) => unknown {
  const field = step.config.field as string | undefined;
  if (field !== undefined) return pathReader(field);
  return step.code.keyOf as (value: unknown) => unknown;
}
