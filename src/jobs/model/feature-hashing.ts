/**
 * Feature hashing (the "hashing trick"): named features of a user, an item and their crosses become a sparse vector
 * over 2^bits buckets. A numeric feature `name` keeps its value in bucket hash(name); a categorical one becomes the
 * indicator hash(`name=value`) with value 1; a cross multiplies its members' values in the bucket of their joined
 * keys. Colliding features in one example are summed, so the result has distinct, ascending indices.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { murmur3 } from '../../core/murmur3.js';

export type FeatureValue = number | string | boolean | null | undefined;
export type NamedFeatures = Readonly<Record<string, FeatureValue>>;

/** A sparse feature vector: `values[i]` sits at coordinate `indices[i]`; indices are distinct and ascending. */
export interface SparseFeatures {
  indices: number[];
  values: number[];
}

export interface HashingSpec {
  /** The vector has 2^bits coordinates (1..30). */
  bits: number;
  /** Seed of the hash; models and scorers must agree on it. */
  seed?: number;
  /** Each cross lists feature names whose values are combined into one feature (present only if all are). */
  crosses?: ReadonlyArray<ReadonlyArray<string>>;
  /** Adds a constant feature with value 1 (the intercept). Default true. */
  bias?: boolean;
}

export const BIAS_FEATURE = '(bias)';
const CROSS_SEPARATOR = '\u001f';

interface HashedTerm {
  key: string;
  value: number;
}

/** The key and value a single named feature contributes, or null when it contributes nothing. */
function term(name: string, value: FeatureValue): HashedTerm | null {
  if (value === null || value === undefined || value === false) return null;
  if (value === true) return { key: name, value: 1 };
  if (typeof value === 'string') return { key: `${name}=${value}`, value: 1 };
  if (!Number.isFinite(value)) {
    throw new FlywheelError(
      ErrorCodes.BAD_RECORD,
      `feature '${name}' is ${String(value)}, not a finite number`,
      {},
      'drop or impute the feature before hashing',
    );
  }
  return value === 0 ? null : { key: name, value };
}

/** Checks a hashing spec once, where it is configured. */
export function checkHashingSpec(spec: HashingSpec): void {
  if (!Number.isInteger(spec.bits) || spec.bits < 1 || spec.bits > 30) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `hashing bits must be an integer from 1 to 30, got ${spec.bits}`,
      {},
      'use 18 to 22 bits for typical user x item models',
    );
  }
  for (const cross of spec.crosses ?? []) {
    if (cross.length < 2) throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `a feature cross needs at least two names, got [${cross.join(', ')}]`);
  }
}

/** Hashes named features (and the configured crosses) into a sparse vector over 2^spec.bits coordinates. */
export function hashFeatures(features: NamedFeatures, spec: HashingSpec): SparseFeatures {
  const mask = 2 ** spec.bits - 1;
  const seed = spec.seed ?? 0;
  const indices: number[] = [];
  const values: number[] = [];
  const push = (key: string, value: number) => {
    indices.push(murmur3(key, seed) & mask);
    values.push(value);
  };
  if (spec.bias ?? true) push(BIAS_FEATURE, 1);
  for (const name of Object.keys(features)) {
    const t = term(name, features[name]);
    if (t) push(t.key, t.value);
  }
  for (const cross of spec.crosses ?? []) {
    const keys: string[] = [];
    let value = 1;
    for (const name of cross) {
      const t = term(name, features[name]);
      if (!t) break;
      keys.push(t.key);
      value *= t.value;
    }
    if (keys.length === cross.length) push(keys.join(CROSS_SEPARATOR), value);
  }
  return mergeCollisions(indices, values);
}

/** Sorts by coordinate (in place) and sums the values of repeated coordinates. */
function mergeCollisions(indices: number[], values: number[]): SparseFeatures {
  sortPairs(indices, values);
  let last = -1;
  for (let i = 0; i < indices.length; i++) {
    if (last >= 0 && indices[last] === indices[i]) values[last]! += values[i]!;
    else {
      last++;
      indices[last] = indices[i]!;
      values[last] = values[i]!;
    }
  }
  indices.length = last + 1;
  values.length = last + 1;
  return { indices, values };
}

/** Insertion sort for the usual few dozen features; an index sort beyond that. */
function sortPairs(indices: number[], values: number[]): void {
  const n = indices.length;
  if (n > 64) {
    const order = indices.map((_, i) => i).sort((a, b) => indices[a]! - indices[b]!);
    const [si, sv] = [order.map((i) => indices[i]!), order.map((i) => values[i]!)];
    for (let i = 0; i < n; i++) [indices[i], values[i]] = [si[i]!, sv[i]!];
    return;
  }
  for (let i = 1; i < n; i++) {
    const index = indices[i]!;
    const value = values[i]!;
    let j = i - 1;
    for (; j >= 0 && indices[j]! > index; j--) {
      indices[j + 1] = indices[j]!;
      values[j + 1] = values[j]!;
    }
    indices[j + 1] = index;
    values[j + 1] = value;
  }
}
