/**
 * Keyed state handles, as Flink's: one handle per (step, state name), which always acts on the key being processed
 * (the step's context says which). Reused for every record and timer instead of made per call; a handle keeps the
 * current key's cached state until the key or the batch changes.
 */
import type { Key, MapState, Millis, ValueState } from '../api/types.js';
import type { CachedMap, CachedValue, SlotBatch } from '../state/slot-batch.js';

/** What a handle reads from its step's context at each call. */
export interface KeyScope {
  readonly stepId: string;
  readonly key: Key;
  readonly kg: number;
  readonly timestamp: Millis;
}

const expiry = (timestamp: Millis, ttl: Millis | undefined): number | undefined => (ttl === undefined ? undefined : timestamp + ttl);

export class ValueHandle<T> implements ValueState<T> {
  /** Time to live of what `set` writes (StateOptions.ttl), as last asked for. */
  ttl: Millis | undefined;
  private cell: CachedValue | null = null;
  private cellKey: Key = '';
  private cellBatch = -1;

  constructor(
    private readonly batch: SlotBatch,
    private readonly scope: KeyScope,
    private readonly name: string,
  ) {}

  get(): T | undefined {
    return this.batch.valueGet(this.current()) as T | undefined;
  }

  set(value: T): void {
    this.batch.valueSet(this.current(), value, expiry(this.scope.timestamp, this.ttl));
  }

  clear(): void {
    this.batch.valueClear(this.current());
  }

  private current(): CachedValue {
    const s = this.scope;
    if (this.cell === null || this.cellKey !== s.key || this.cellBatch !== this.batch.number) {
      this.cell = this.batch.value(s.stepId, s.kg, s.key, this.name);
      this.cellKey = s.key;
      this.cellBatch = this.batch.number;
    }
    return this.cell;
  }
}

export class MapHandle<V> implements MapState<V> {
  ttl: Millis | undefined;
  private map: CachedMap | null = null;
  private mapKey: Key = '';
  private mapBatch = -1;

  constructor(
    private readonly batch: SlotBatch,
    private readonly scope: KeyScope,
    private readonly name: string,
  ) {}

  get(entry: string): V | undefined {
    return this.batch.mapGet(this.current(), entry) as V | undefined;
  }

  set(entry: string, value: V): void {
    this.batch.mapSet(this.current(), entry, value, expiry(this.scope.timestamp, this.ttl));
  }

  delete(entry: string): void {
    this.batch.mapDelete(this.current(), entry);
  }

  entries(): Array<[string, V]> {
    return this.batch.mapEntries(this.current()) as Array<[string, V]>;
  }

  private current(): CachedMap {
    const s = this.scope;
    if (this.map === null || this.mapKey !== s.key || this.mapBatch !== this.batch.number) {
      this.map = this.batch.map(s.stepId, s.kg, s.key, this.name);
      this.mapKey = s.key;
      this.mapBatch = this.batch.number;
    }
    return this.map;
  }
}
