/**
 * The LMDB implementation of StateReader for the query endpoint: reads keyed state through read transactions (they
 * never block the job's writers) and treats a value with a TTL as absent once the job's watermark has passed it.
 */
import { keyGroupOf } from '../core/key-groups.js';
import type { StateDatabases } from './backend.js';
import { isExpired, mapEntryKey, mapPrefix, mapRangeEnd, valueKey, type StateKey, type StoredValue } from './keys.js';
import type { StateReader } from './reader.js';

export class LmdbStateReader implements StateReader {
  constructor(
    private readonly dbs: Pick<StateDatabases, 'state'>,
    private readonly keyGroups: number,
    private readonly watermark: () => number,
  ) {}

  value<T>(stepId: string, key: string, name: string): T | undefined {
    return this.live<T>(this.dbs.state.get(valueKey(stepId, keyGroupOf(key, this.keyGroups), key, name)) as StoredValue | undefined);
  }

  mapEntry<V>(stepId: string, key: string, name: string, entry: string): V | undefined {
    return this.live<V>(this.dbs.state.get(mapEntryKey(stepId, keyGroupOf(key, this.keyGroups), key, name, entry)) as StoredValue | undefined);
  }

  mapEntries<V>(stepId: string, key: string, name: string): Array<[string, V]> {
    const kg = keyGroupOf(key, this.keyGroups);
    const out: Array<[string, V]> = [];
    for (const { key: k, value } of this.dbs.state.getRange({ start: mapPrefix(stepId, kg, key, name), end: mapRangeEnd(stepId, kg, key, name) })) {
      const v = this.live<V>(value as StoredValue);
      if (v !== undefined) out.push([(k as StateKey)[5] as string, v]);
    }
    return out;
  }

  valueKeys(stepId: string, name: string, limit: number): string[] {
    const keys: string[] = [];
    for (const k of this.dbs.state.getKeys({ start: [stepId, 0], end: [stepId, this.keyGroups] })) {
      const [, , key, kind, stateName] = k as StateKey;
      if (kind === 'v' && stateName === name && this.value(stepId, key as string, name) !== undefined) keys.push(key as string);
    }
    return keys.sort().slice(0, limit);
  }

  private live<T>(stored: StoredValue | undefined): T | undefined {
    return stored === undefined || isExpired(stored, this.watermark()) ? undefined : (stored[0] as T);
  }
}
