/** Key layout of the state databases (see backend.ts), in one place so writers and readers agree. */

export type StateKey = Array<string | number>;

export const VALUE_TAG = 'v';
export const MAP_TAG = 'm';

export const valueKey = (stepId: string, kg: number, key: string, name: string): StateKey => [stepId, kg, key, VALUE_TAG, name];
export const mapPrefix = (stepId: string, kg: number, key: string, name: string): StateKey => [stepId, kg, key, MAP_TAG, name];
export const mapEntryKey = (stepId: string, kg: number, key: string, name: string, entry: string): StateKey => [stepId, kg, key, MAP_TAG, name, entry];
/** Exclusive end of a map's entries: the name with a NUL appended sorts after every [.., name, entry]. */
export const mapRangeEnd = (stepId: string, kg: number, key: string, name: string): StateKey => [stepId, kg, key, MAP_TAG, name + '\u0000'];

export const timerKey = (stepId: string, kg: number, time: number, key: string, namespace: string): StateKey => [stepId, kg, time, key, namespace];

export const appliedKey = (stage: number, slot: number, partitionId: string): StateKey => ['applied', stage, slot, partitionId];
/** A holder's source partition watermark as of its frontier (the partition's clock where a restart resumes). */
export const clockKey = (stage: number, slot: number, partitionId: string): StateKey => ['clock', stage, slot, partitionId];
export const metaKey = (name: string): StateKey => ['meta', name];

/** A stored state value: the value and, with a TTL, the event time after which it is expired. */
export type StoredValue = [unknown] | [unknown, number];

export function isExpired(stored: StoredValue, watermark: number): boolean {
  return stored.length === 2 && stored[1] < watermark;
}
