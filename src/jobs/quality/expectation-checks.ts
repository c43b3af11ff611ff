/**
 * Expectations compiled into predicates over a record. An absent or null field fails `notNull` and passes every
 * other check (as in SQL constraints: only notNull speaks about presence), so each fault is reported by exactly one
 * expectation. `type` tells arrays and objects apart; `range` is inclusive and fails a value that is not a finite
 * number; `pattern` and `allowed` fail a value of another type than the pattern's string or the allowed values'.
 */
import { pathReader } from '../../api/aggregators.js';
import type { ExpectationSpec, FieldType } from './expectation-options.js';

export interface CompiledExpectation {
  name: string;
  level: 'mustPass' | 'warn';
  /** What the expectation asks, for reasons and reports. */
  describe: string;
  passes(record: unknown): boolean;
}

function typeOf(v: unknown): FieldType | 'other' {
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : 'other';
}

function valueCheck(e: ExpectationSpec): { describe: string; ok: (v: unknown) => boolean } {
  if (e.type !== undefined) return { describe: `${e.field} is of type ${e.type}`, ok: (v) => typeOf(v) === e.type };
  if (e.range !== undefined) {
    const { min = -Infinity, max = Infinity } = e.range;
    return { describe: `${e.field} in [${min}, ${max}]`, ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max };
  }
  if (e.pattern !== undefined) {
    const re = new RegExp(e.pattern, 'u');
    return { describe: `${e.field} matches /${e.pattern}/`, ok: (v) => typeof v === 'string' && re.test(v) };
  }
  const allowed = new Set<unknown>(e.allowed);
  return { describe: `${e.field} is one of ${e.allowed!.join(', ')}`, ok: (v) => allowed.has(v) };
}

export function compileExpectation(e: ExpectationSpec): CompiledExpectation {
  const read = pathReader(e.field);
  if (e.notNull) return { name: e.name, level: e.level, describe: `${e.field} is present`, passes: (r) => read(r) != null };
  const { describe, ok } = valueCheck(e);
  return { name: e.name, level: e.level, describe, passes: (r) => {
    const v = read(r);
    return v == null || ok(v);
  } };
}
