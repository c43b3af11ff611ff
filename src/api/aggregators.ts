/**
 * Built-in aggregators for window steps (count, sum, min, max, avg, latest), usable from TypeScript and by name in
 * YAML (`aggregate: { type: sum, field: price }`). Accumulators are plain data so they can live in LMDB.
 */
import type { Aggregator } from './types.js';

export interface AggregateSpec {
  type: 'count' | 'sum' | 'min' | 'max' | 'avg' | 'latest';
  /** Dotted path of the numeric field to aggregate; required by all but `count`. */
  field?: string;
}

export const AGGREGATE_TYPES: readonly AggregateSpec['type'][] = ['count', 'sum', 'min', 'max', 'avg', 'latest'];

/** Reads a dotted path (`a.b.c`) of a record. */
export function readPath(record: unknown, path: string): unknown {
  return pathReader(path)(record);
}

/** A reader for a dotted path, compiled once: hot paths call it per record. */
export function pathReader(path: string): (record: unknown) => unknown {
  const parts = path.split('.');
  if (parts.length === 1) {
    const field = parts[0]!;
    return (record) => (record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[field] : undefined);
  }
  return (record) => {
    let value: unknown = record;
    for (const part of parts) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
}

export function count<T>(): Aggregator<T, number, number> {
  return { create: () => 0, add: (acc) => acc + 1, merge: (a, b) => a + b, result: (acc) => acc };
}

export function sum<T>(of: (v: T) => number): Aggregator<T, number, number> {
  return { create: () => 0, add: (acc, v) => acc + of(v), merge: (a, b) => a + b, result: (acc) => acc };
}

export function min<T>(of: (v: T) => number): Aggregator<T, number | null, number | null> {
  return {
    create: () => null,
    add: (acc, v) => (acc === null ? of(v) : Math.min(acc, of(v))),
    merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
    result: (acc) => acc,
  };
}

export function max<T>(of: (v: T) => number): Aggregator<T, number | null, number | null> {
  return {
    create: () => null,
    add: (acc, v) => (acc === null ? of(v) : Math.max(acc, of(v))),
    merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a, b)),
    result: (acc) => acc,
  };
}

export function avg<T>(of: (v: T) => number): Aggregator<T, [number, number], number | null> {
  return {
    create: () => [0, 0],
    add: (acc, v) => [acc[0] + of(v), acc[1] + 1],
    merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    result: (acc) => (acc[1] === 0 ? null : acc[0] / acc[1]),
  };
}

/** Keeps the value of the latest record by arrival (ties in event time keep the later arrival). */
export function latest<T>(): Aggregator<T, T | null, T | null> {
  return { create: () => null, add: (_acc, v) => v, merge: (a, b) => b ?? a, result: (acc) => acc };
}

/** The aggregator a YAML spec names. The field must hold a number; a record without one counts as 0 for sums. */
export function aggregatorFromSpec(spec: AggregateSpec): Aggregator<unknown, unknown, unknown> {
  const read = pathReader(spec.field ?? '');
  const numberAt = (v: unknown): number => {
    const n = read(v);
    return typeof n === 'number' ? n : Number(n ?? 0);
  };
  switch (spec.type) {
    case 'count':
      return count() as Aggregator<unknown, unknown, unknown>;
    case 'sum':
      return sum(numberAt) as Aggregator<unknown, unknown, unknown>;
    case 'min':
      return min(numberAt) as Aggregator<unknown, unknown, unknown>;
    case 'max':
      return max(numberAt) as Aggregator<unknown, unknown, unknown>;
    case 'avg':
      return avg(numberAt) as Aggregator<unknown, unknown, unknown>;
    case 'latest':
      return latest() as Aggregator<unknown, unknown, unknown>;
  }
}
