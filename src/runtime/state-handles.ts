/**
 * Keyed state handles, as Flink's: one handle per (step, state name), which always acts on the key being processed
 * (the step's context says which). Reused for every record and timer instead of made per call; a handle keeps the
 * current key's cached state until the key or the batch changes.
 */
import type { Key, MapState, Millis, ValueState } from '../api/types.js';
import type { CachedMap, CachedValue, SlotBatch } from '../state/slot-batch.js';
import type { StateTable } from '../state/state-table.js';

/** What a handle reads from its step's context at each call. */
export interface KeyScope {
  readonly stepId: string;
  readonly key: Key;
  readonly kg: number;
  readonly timestamp: Millis;
}

/** A handle's state name, time to live, and the cached state of the key it acted on last. */
abstract class KeyedHandle<Cached> {
  /** Time to live of what the handle writes (StateOptions.ttl), as last asked for. */
  ttl: Millis | undefined;
  private cached: Cached | null = null;
  private cachedKey: Key = '';
  private cachedBatch = -1;

  constructor(
    protected readonly batch: SlotBatch,
    protected readonly scope: KeyScope,
    protected readonly name: string,
  ) {}

  /** The current key's cached state, looked up once per key and batch. */
  protected current(): Cached {
    const s = this.scope;
    if (this.cached === null || this.cachedKey !== s.key || this.cachedBatch !== this.batch.number) {
      this.cached = this.lookUp(s);
      this.cachedKey = s.key;
      this.cachedBatch = this.batch.number;
    }
    return this.cached;
  }

  protected expiresAt(): number | undefined {
    return this.ttl === undefined ? undefined : this.scope.timestamp + this.ttl;
  }

  protected abstract lookUp(scope: KeyScope): Cached;
}

export class ValueHandle<T> extends KeyedHandle<CachedValue> implements ValueState<T> {
  get(): T | undefined {
    return this.batch.valueGet(this.current()) as T | undefined;
  }

  set(value: T): void {
    this.batch.valueSet(this.current(), value, this.expiresAt());
  }

  clear(): void {
    this.batch.valueClear(this.current());
  }

  private table: StateTable<CachedValue> | null = null;

  protected lookUp(s: KeyScope): CachedValue {
    this.table ??= this.batch.valueTable(s.stepId, this.name);
    return this.batch.value(this.table, s.kg, s.key);
  }
}

export class MapHandle<V> extends KeyedHandle<CachedMap> implements MapState<V> {
  get(entry: string): V | undefined {
    return this.batch.mapGet(this.current(), entry) as V | undefined;
  }

  set(entry: string, value: V): void {
    this.batch.mapSet(this.current(), entry, value, this.expiresAt());
  }

  delete(entry: string): void {
    this.batch.mapDelete(this.current(), entry);
  }

  entries(): Array<[string, V]> {
    return this.batch.mapEntries(this.current()) as Array<[string, V]>;
  }

  private table: StateTable<CachedMap> | null = null;

  protected lookUp(s: KeyScope): CachedMap {
    this.table ??= this.batch.mapTable(s.stepId, this.name);
    return this.batch.map(this.table, s.kg, s.key);
  }
}
