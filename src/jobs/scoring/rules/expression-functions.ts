/**
 * The only functions a rule expression may call, with their arities. Each checks its arguments' types and returns
 * plain data; none touches anything but its arguments.
 */

export interface ExpressionFunction {
  minArgs: number;
  maxArgs: number;
  /** Shown in errors: how to call it. */
  usage: string;
  apply(args: unknown[]): unknown;
}

/** Raised for a wrong argument; the evaluator adds the expression and the rule to the message. */
export class ExpressionTypeError extends Error {}

function number(fn: string, value: unknown, position: number): number {
  if (typeof value !== 'number') throw new ExpressionTypeError(`${fn}() needs a number as argument ${position + 1}, got ${describeValue(value)}`);
  return value;
}

function numbers(fn: string, args: unknown[]): number[] {
  return args.map((a, i) => number(fn, a, i));
}

function contains(fn: string, collection: unknown, value: unknown): boolean {
  if (Array.isArray(collection)) return collection.includes(value);
  if (typeof collection === 'string' && typeof value === 'string') return collection.includes(value);
  throw new ExpressionTypeError(`${fn}() needs a list (or a string and a substring), got ${describeValue(collection)}`);
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`
    : `${typeof value} ${String(value)}`;
}

const table: Record<string, ExpressionFunction> = {
  min: { minArgs: 1, maxArgs: 16, usage: 'min(a, b, ...)', apply: (args) => Math.min(...numbers('min', args)) },
  max: { minArgs: 1, maxArgs: 16, usage: 'max(a, b, ...)', apply: (args) => Math.max(...numbers('max', args)) },
  abs: { minArgs: 1, maxArgs: 1, usage: 'abs(x)', apply: (args) => Math.abs(number('abs', args[0], 0)) },
  log: { minArgs: 1, maxArgs: 1, usage: 'log(x), natural logarithm', apply: (args) => Math.log(number('log', args[0], 0)) },
  exp: { minArgs: 1, maxArgs: 1, usage: 'exp(x)', apply: (args) => Math.exp(number('exp', args[0], 0)) },
  round: {
    minArgs: 1,
    maxArgs: 2,
    usage: 'round(x) or round(x, digits) with digits 0..10',
    apply(args) {
      const [x, digits = 0] = numbers('round', args);
      if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new ExpressionTypeError(`round() needs 0..10 digits, got ${digits}`);
      const scale = 10 ** digits;
      return Math.round(x! * scale) / scale;
    },
  },
  clamp: {
    minArgs: 3,
    maxArgs: 3,
    usage: 'clamp(x, low, high)',
    apply(args) {
      const [x, low, high] = numbers('clamp', args);
      if (low! > high!) throw new ExpressionTypeError(`clamp() needs low <= high, got ${low} > ${high}`);
      return Math.min(Math.max(x!, low!), high!);
    },
  },
  contains: { minArgs: 2, maxArgs: 2, usage: 'contains(list, value)', apply: (args) => contains('contains', args[0], args[1]) },
  in: { minArgs: 2, maxArgs: 2, usage: 'in(value, list)', apply: (args) => contains('in', args[1], args[0]) },
};

/** The whitelisted function of that name, or undefined (never an inherited property). */
export function expressionFunction(name: string): ExpressionFunction | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

export const FUNCTION_NAMES: readonly string[] = Object.keys(table);
