/**
 * Reading a member of a value inside a rule expression, limited to plain data: own data properties of plain objects
 * and arrays. Getters, proxies, class instances, functions and the names that lead to prototypes are refused, so an
 * expression can read the context but never reach or run code through it.
 */
import { types } from 'node:util';
import { describeValue, ExpressionTypeError } from './expression-functions.js';

/** Names that lead from data to prototypes and constructors; refused as identifiers and as member names. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

function isPlainContainer(value: object): boolean {
  if (types.isProxy(value)) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value taken from the context or from data in it: plain data passes, anything that could hold code does not. */
export function checkedValue(value: unknown, what: string): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
    throw new ExpressionTypeError(`${what} holds a ${typeof value}, not data`);
  if (typeof value === 'object' && value !== null && !isPlainContainer(value))
    throw new ExpressionTypeError(`${what} is not plain data (a class instance or proxy)`);
  return value;
}

/** `target[key]`: null when the target is null or has no such own property. */
export function readMember(target: unknown, key: unknown): unknown {
  if (target === null || target === undefined) return null;
  if (typeof target !== 'object') throw new ExpressionTypeError(`cannot read .${String(key)} of ${describeValue(target)}`);
  if (typeof key === 'number') {
    if (!Array.isArray(target) || !Number.isInteger(key))
      throw new ExpressionTypeError(`a numeric index needs a list and a whole number, got ${describeValue(target)}[${key}]`);
  } else if (typeof key !== 'string') {
    throw new ExpressionTypeError(`a member name must be a string or a list index, got ${describeValue(key)}`);
  }
  const name = String(key);
  if (FORBIDDEN_NAMES.has(name)) throw new ExpressionTypeError(`the member name '${name}' is not allowed`);
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (!descriptor) return null;
  if (!('value' in descriptor)) throw new ExpressionTypeError(`'${name}' is an accessor, not data`);
  return checkedValue(descriptor.value, `'${name}'`);
}
