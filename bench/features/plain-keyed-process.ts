/**
 * A keyed process function run the plain way, for the "no framework" baselines: one thread, state in Maps, event-time
 * timers in per-time buckets over a sorted list of times, the watermark advanced by the caller. Same contract as the
 * runtime (map entries in key order, a timer registered twice fires once, timers fire in time order once the
 * watermark reaches them), none of its machinery (no batches, no LMDB, no worker threads, no record ids).
 */
import type { FiredTimer, KeyedProcessor, MapState, Millis, ProcessContext, ValueState } from '../../src/api/types.js';

const SEP = '\u0000';

export class PlainKeyedProcess<In, Out> {
  private readonly values = new Map<string, unknown>();
  private readonly maps = new Map<string, Map<string, unknown>>();
  /** Per timer time, the timers due then, by key and namespace. */
  private readonly timers = new Map<number, Map<string, [string, string]>>();
  /** The times in `timers`, ascending. */
  private readonly times: number[] = [];
  private watermark: Millis = -Infinity;

  constructor(
    private readonly processor: KeyedProcessor<In, Out>,
    private readonly emit: (key: string, value: Out, timestamp: Millis) => void,
  ) {}

  onRecord(key: string, value: In, timestamp: Millis): void {
    this.processor.onRecord(value, this.context(key, timestamp));
  }

  /** Moves the watermark to `watermark` and fires every timer at or before it, in time order. */
  advance(watermark: Millis): void {
    this.watermark = Math.max(this.watermark, watermark);
    while (this.times.length > 0 && this.times[0]! <= watermark) {
      const time = this.times.shift()!;
      const due = this.timers.get(time)!;
      this.timers.delete(time);
      for (const [key, namespace] of due.values()) {
        const timer: FiredTimer = { time, namespace };
        this.processor.onTimer?.(timer, this.context(key, time));
      }
    }
  }

  private context(key: string, timestamp: Millis): ProcessContext<Out> {
    return {
      key,
      timestamp,
      watermark: this.watermark,
      get lookup(): never {
        throw new Error('the plain single-threaded implementation has no lookups into other steps');
      },
      state: <T>(name: string): ValueState<T> => {
        const id = `${key}${SEP}${name}`;
        return { get: () => this.values.get(id) as T | undefined, set: (v: T) => void this.values.set(id, v), clear: () => void this.values.delete(id) };
      },
      mapState: <V>(name: string): MapState<V> => {
        const id = `${key}${SEP}${name}`;
        const entries = () => {
          let m = this.maps.get(id);
          if (!m) this.maps.set(id, (m = new Map()));
          return m;
        };
        return {
          get: (entry) => this.maps.get(id)?.get(entry) as V | undefined,
          set: (entry, v) => void entries().set(entry, v),
          delete: (entry) => void this.maps.get(id)?.delete(entry),
          entries: () => [...(this.maps.get(id) ?? new Map<string, V>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as Array<[string, V]>,
        };
      },
      timers: {
        register: (time, namespace = '') => this.register(key, Math.floor(time), namespace),
        delete: (time, namespace = '') => void this.timers.get(Math.floor(time))?.delete(`${key}${SEP}${namespace}`),
      },
      emit: (value, ts) => this.emit(key, value, ts ?? timestamp),
      sideOutput: () => undefined,
    };
  }

  private register(key: string, time: number, namespace: string): void {
    let due = this.timers.get(time);
    if (!due) {
      this.timers.set(time, (due = new Map()));
      let i = this.times.length;
      while (i > 0 && this.times[i - 1]! > time) i--;
      this.times.splice(i, 0, time);
    }
    due.set(`${key}${SEP}${namespace}`, [key, namespace]);
  }
}
