/**
 * Operator test harness on virtual time, in the spirit of Flink's KeyedOneInputStreamOperatorTestHarness: push
 * records (key, value, event time) and watermarks, read the main and side outputs, snapshot and restore state. State
 * and timers live in memory with the same semantics as the LMDB backend (map entries in key order, event-time TTL,
 * timers fired in time order, a timer registered twice fires once).
 */
import type { FiredTimer, Key, MapState, Millis, StateOptions, ValueState } from '../../src/api/types.js';
import type { StepSpec } from '../../src/graph/model.js';
import type { Operator, OperatorContext } from '../../src/operators/operator.js';
import { operatorType } from '../../src/operators/registry.js';
import type { StateReader } from '../../src/state/reader.js';
import { MemoryStateReader } from '../query/memory-state-reader.js';

export interface HarnessOutput {
  key: Key;
  value: unknown;
  timestamp: Millis;
}

export interface HarnessSnapshot {
  state: Array<[string, { value: unknown; writtenAt: Millis; ttl?: Millis }]>;
  timers: Array<[string, { key: Key; time: Millis; namespace: string }]>;
  watermark: Millis;
}

const SEP = '\u0000';

export class OperatorHarness {
  readonly outputs: HarnessOutput[] = [];
  readonly sideOutputs = new Map<string, HarnessOutput[]>();
  private state = new Map<string, { value: unknown; writtenAt: Millis; ttl?: Millis }>();
  private timers = new Map<string, { key: Key; time: Millis; namespace: string }>();
  private watermark = -Infinity;
  private readonly operator: Operator;

  /** `lookup` is what the operator's ctx.lookup reads (other steps' committed state); empty by default. */
  constructor(
    readonly step: StepSpec,
    private readonly lookup: StateReader = new MemoryStateReader(),
  ) {
    const type = operatorType(step.kind);
    if (!type) throw new Error(`no operator type '${step.kind}'`);
    this.operator = type.create(step);
  }

  /** A harness for a step given by kind, config and code (id `op`). */
  static of(kind: string, config: Record<string, unknown>, code: Record<string, unknown> = {}): OperatorHarness {
    return new OperatorHarness({ id: 'op', kind, inputs: [], config, code, onError: 'fail' });
  }

  processElement(key: Key, value: unknown, timestamp: Millis): void {
    this.operator.onRecord(value, this.context(key, timestamp));
  }

  /** Advances the watermark and fires, in time order, every timer at or before it. */
  processWatermark(watermark: Millis): void {
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.time <= watermark).sort(([a, x], [b, y]) => x.time - y.time || (a < b ? -1 : 1));
      if (due.length === 0) break;
      const [id, timer] = due[0]!;
      this.timers.delete(id);
      const fired: FiredTimer = { time: timer.time, namespace: timer.namespace };
      this.operator.onTimer?.(fired, this.context(timer.key, timer.time));
    }
    this.operator.onWatermark?.(watermark);
  }

  sideOutput(tag: string): HarnessOutput[] {
    return this.sideOutputs.get(tag) ?? [];
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  stateEntries(): number {
    return [...this.state.values()].filter((e) => !this.expired(e)).length;
  }

  snapshot(): HarnessSnapshot {
    return structuredClone({ state: [...this.state], timers: [...this.timers], watermark: this.watermark });
  }

  restore(snapshot: HarnessSnapshot): void {
    const copy = structuredClone(snapshot);
    this.state = new Map(copy.state);
    this.timers = new Map(copy.timers);
    this.watermark = copy.watermark;
  }

  private expired(entry: { writtenAt: Millis; ttl?: Millis }): boolean {
    return entry.ttl !== undefined && entry.writtenAt + entry.ttl < this.watermark;
  }

  private context(key: Key, timestamp: Millis): OperatorContext {
    const cell = (id: string, options?: StateOptions) => ({
      get: () => {
        const e = this.state.get(id);
        return e === undefined || this.expired(e) ? undefined : structuredClone(e.value);
      },
      set: (value: unknown) =>
        this.state.set(id, { value: structuredClone(value), writtenAt: timestamp, ...(options?.ttl !== undefined ? { ttl: options.ttl } : {}) }),
      clear: () => this.state.delete(id),
    });
    const harness = this;
    const sideOutput = (tag: string, value: unknown, ts?: number): void => {
      const list = this.sideOutputs.get(tag) ?? [];
      list.push({ key, value, timestamp: ts ?? timestamp });
      this.sideOutputs.set(tag, list);
    };
    return {
      key,
      timestamp,
      watermark: this.watermark,
      lookup: this.lookup,
      state<T>(name: string, options?: StateOptions): ValueState<T> {
        return cell([key, name, 'v'].join(SEP), options) as ValueState<T>;
      },
      mapState<V>(name: string, options?: StateOptions): MapState<V> {
        const prefix = [key, name, 'm', ''].join(SEP);
        return {
          get: (entry) => cell(prefix + entry).get() as V | undefined,
          set: (entry, value) => cell(prefix + entry, options).set(value),
          delete: (entry) => cell(prefix + entry).clear(),
          entries: () =>
            [...harness.state.entries()]
              .filter(([id, e]) => id.startsWith(prefix) && !harness.expired(e))
              .map(([id, e]) => [id.slice(prefix.length), structuredClone(e.value) as V] as [string, V])
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        };
      },
      timers: {
        register: (time, namespace = '') => this.timers.set([key, time, namespace].join(SEP), { key, time, namespace }),
        delete: (time, namespace = '') => this.timers.delete([key, time, namespace].join(SEP)),
      },
      emit: (value, ts) => this.outputs.push({ key, value, timestamp: ts ?? timestamp }),
      forward: (value, ts) => this.outputs.push({ key, value, timestamp: ts }),
      hold: (value) => ({
        id: `${key}@${timestamp}`,
        value,
        emit: (result) => this.outputs.push({ key, value: result, timestamp }),
        sideOutput: (tag, result) => sideOutput(tag, result),
        fail: (err) => {
          throw err;
        },
      }),
      sideOutput,
    };
  }
}
