/**
 * The context a step's operator runs in for one record or one timer: the current key and event time, keyed state
 * handles that act on the current key (state-handles.ts), timers, read-only lookups of committed state, and
 * emit/sideOutput that hand records to the downstream nodes with deterministic ids. One context object per node is
 * reused for every call (the graph is acyclic, so a node is never re-entered while it runs).
 */
import type { FiredTimer, Key, MapState, Millis, ProcessContext, StateOptions, TimerService, ValueState } from '../api/types.js';
import { MAIN_PORT } from '../graph/model.js';
import type { StateReader } from '../state/reader.js';
import type { SlotBatch } from '../state/slot-batch.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { derivedId, timerCause } from './record-id.js';
import { MapHandle, ValueHandle } from './state-handles.js';
import type { HeldRecord } from '../operators/operator.js';

/** Where a node's emissions go: the executor implements it. */
export interface EmitTarget {
  emitFrom(stepId: string, port: string, value: unknown, timestamp: Millis, id: string, key: Key, kg: number): void;
  hold(stepId: string, value: unknown, key: Key, kg: number, timestamp: Millis, id: string): HeldRecord;
  readonly watermark: Millis;
}

export class NodeContext implements ProcessContext<unknown> {
  key: Key = '';
  kg = 0;
  timestamp: Millis = 0;
  /** Id of the record being processed, or the cause of the firing timer. */
  cause = '';
  private emitted = 0;
  readonly timers: TimerService;
  private readonly valueHandles = new Map<string, ValueHandle<unknown>>();
  private readonly mapHandles = new Map<string, MapHandle<unknown>>();

  constructor(
    readonly stepId: string,
    private readonly target: EmitTarget,
    private readonly batch: SlotBatch | null,
    private readonly committed: StateReader | null,
  ) {
    this.timers = {
      register: (time, namespace = '') => this.requireBatch('timers').timers.register(this.stepId, this.kg, this.key, time, namespace, this.cause),
      delete: (time, namespace = '') => this.requireBatch('timers').timers.delete(this.stepId, this.kg, this.key, time, namespace),
    };
  }

  get watermark(): Millis {
    return this.target.watermark;
  }

  get lookup(): StateReader {
    this.requireBatch('lookups');
    return this.committed!;
  }

  forRecord(key: Key, kg: number, timestamp: Millis, id: string): this {
    this.key = key;
    this.kg = kg;
    this.timestamp = timestamp;
    this.cause = id;
    this.emitted = 0;
    return this;
  }

  forTimer(key: Key, kg: number, timer: FiredTimer, registeredBy: string): this {
    return this.forRecord(key, kg, timer.time, timerCause(this.stepId, key, timer.namespace, timer.time, registeredBy));
  }

  emit(value: unknown, timestamp?: Millis): void {
    const id = derivedId(this.cause, this.stepId, MAIN_PORT, this.emitted++);
    this.target.emitFrom(this.stepId, MAIN_PORT, value, timestamp ?? this.timestamp, id, this.key, this.kg);
  }

  /** Passes the input record on unchanged, keeping its id (map and filter are one-to-one). */
  forward(value: unknown, timestamp: Millis): void {
    this.emitted++;
    this.target.emitFrom(this.stepId, MAIN_PORT, value, timestamp, this.cause, this.key, this.kg);
  }

  hold(value: unknown): HeldRecord {
    return this.target.hold(this.stepId, value, this.key, this.kg, this.timestamp, this.cause);
  }

  sideOutput(tag: string, value: unknown, timestamp?: Millis): void {
    const id = derivedId(this.cause, this.stepId, tag, this.emitted++);
    this.target.emitFrom(this.stepId, tag, value, timestamp ?? this.timestamp, id, this.key, this.kg);
  }

  state<T>(name: string, options?: StateOptions): ValueState<T> {
    let handle = this.valueHandles.get(name);
    if (!handle) this.valueHandles.set(name, (handle = new ValueHandle(this.requireBatch('state'), this, name)));
    handle.ttl = options?.ttl;
    return handle as ValueState<T>;
  }

  mapState<V>(name: string, options?: StateOptions): MapState<V> {
    let handle = this.mapHandles.get(name);
    if (!handle) this.mapHandles.set(name, (handle = new MapHandle(this.requireBatch('state'), this, name)));
    handle.ttl = options?.ttl;
    return handle as MapState<V>;
  }

  private requireBatch(what: string): SlotBatch {
    if (!this.batch) {
      throw new FlywheelError(
        ErrorCodes.GRAPH_INVALID,
        `step uses ${what} but runs before any keyBy`,
        { stepId: this.stepId },
        'put a keyBy step before a step that keeps state or timers',
      );
    }
    return this.batch;
  }
}
