/**
 * Expectations compiled into checks of a record. Field checks: an absent or null field fails `notNull` and passes
 * every other check (as in SQL constraints: only notNull speaks about presence), so each fault is reported by
 * exactly one expectation; `type` tells arrays and objects apart; `range` is inclusive and fails a value that is
 * not a finite number; `pattern` and `allowed` fail a value of another type than the pattern's string or the allowed
 * values'. Record checks keep state under the step's key (record-checks.ts). A drift check never fails a record: it
 * puts the field's numeric value in a bucket, and the window's report compares the buckets with the reference.
 */
import { pathReader } from '../../api/aggregators.js';
import type { ProcessContext } from '../../api/types.js';
import type { ExpectationSpec, FieldType } from './expectation-options.js';
import { bucketOf } from './psi.js';
import { freshnessCheck, uniquenessCheck } from './record-checks.js';

export interface CompiledExpectation {
  name: string;
  level: 'mustPass' | 'warn';
  /** What the expectation asks, for reasons and reports. */
  describe: string;
  /** Whether the record passes; the record checks read and write state through `ctx`. */
  passes(record: unknown, ctx: ProcessContext<unknown>): boolean;
  /** Drift only: the reference shares, the PSI threshold, and the bucket of a record's value (null: none). */
  drift?: { reference: number[]; max: number; bucket(record: unknown): number | null };
}

function typeOf(v: unknown): FieldType | 'other' {
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : 'other';
}

function valueCheck(e: ExpectationSpec, field: string): { describe: string; ok: (v: unknown) => boolean } {
  if (e.type !== undefined) return { describe: `${field} is of type ${e.type}`, ok: (v) => typeOf(v) === e.type };
  if (e.range !== undefined) {
    const { min = -Infinity, max = Infinity } = e.range;
    return { describe: `${field} in [${min}, ${max}]`, ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max };
  }
  if (e.pattern !== undefined) {
    const re = new RegExp(e.pattern, 'u');
    return { describe: `${field} matches /${e.pattern}/`, ok: (v) => typeof v === 'string' && re.test(v) };
  }
  const allowed = new Set<unknown>(e.allowed);
  return { describe: `${field} is one of ${e.allowed!.join(', ')}`, ok: (v) => allowed.has(v) };
}

export function compileExpectation(e: ExpectationSpec): CompiledExpectation {
  const { name, level } = e;
  if (e.unique) return { name, level, ...uniquenessCheck(name, e.unique) };
  if (e.freshness) return { name, level, ...freshnessCheck(e.freshness.max) };
  const field = e.field!;
  const read = pathReader(field);
  if (e.drift) {
    const { edges, reference, max } = e.drift;
    const bucket = (r: unknown) => {
      const v = read(r);
      return typeof v === 'number' && Number.isFinite(v) ? bucketOf(edges, v) : null;
    };
    return { name, level, describe: `${field} PSI against the reference at most ${max}`, passes: () => true, drift: { reference, max, bucket } };
  }
  if (e.notNull) return { name, level, describe: `${field} is present`, passes: (r) => read(r) != null };
  const { describe, ok } = valueCheck(e, field);
  return {
    name,
    level,
    describe,
    passes: (r) => {
      const v = read(r);
      return v == null || ok(v);
    },
  };
}
