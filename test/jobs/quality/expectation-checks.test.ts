/**
 * Expectation checks as pure predicates: only notNull speaks about absent or null fields, each other check fails
 * values of the wrong type, ranges are inclusive, dotted paths reach nested fields; bad options are refused naming
 * the expectation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpectation } from '../../../src/jobs/quality/expectation-checks.js';
import { resolveExpectationOptions, type ExpectationSpec } from '../../../src/jobs/quality/expectation-options.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const check = (spec: Omit<ExpectationSpec, 'name' | 'level'>) => compileExpectation({ name: 'x', level: 'warn', ...spec });

test('absent and null fail notNull only', () => {
  const specs: Array<Omit<ExpectationSpec, 'name' | 'level'>> = [{ field: 'a', type: 'string' }, { field: 'a', range: { min: 0 } }, { field: 'a', pattern: '^x$' }, { field: 'a', allowed: ['x'] }];
  for (const spec of specs) {
    assert.ok(check(spec).passes({}), JSON.stringify(spec));
    assert.ok(check(spec).passes({ a: null }), JSON.stringify(spec));
  }
  assert.equal(check({ field: 'a', notNull: true }).passes({}), false);
  assert.equal(check({ field: 'a', notNull: true }).passes({ a: null }), false);
  assert.equal(check({ field: 'a', notNull: true }).passes({ a: 0 }), true);
});

test('type, range, pattern and allowed values', () => {
  assert.deepEqual([[1], { b: 1 }, 's', 2].map((a) => check({ field: 'a', type: 'array' }).passes({ a })), [true, false, false, false]);
  assert.deepEqual([[1], { b: 1 }].map((a) => check({ field: 'a', type: 'object' }).passes({ a })), [false, true]);
  assert.deepEqual([0, 10, -0.01, 10.01, '5', NaN].map((a) => check({ field: 'a', range: { min: 0, max: 10 } }).passes({ a })), [true, true, false, false, false, false]);
  assert.deepEqual(['s1-2', 'S1-2', 12].map((a) => check({ field: 'a', pattern: '^s\\d+-\\d+$' }).passes({ a })), [true, false, false]);
  assert.deepEqual(['web', 'toaster', 1, true].map((a) => check({ field: 'a', allowed: ['web', 1] }).passes({ a })), [true, false, true, false]);
  assert.equal(check({ field: 'x.y', range: { max: 3 } }).passes({ x: { y: 4 } }), false);
});

test('options: one check per expectation, unique names, valid patterns', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ expectations: [{ name: 'a', field: 'f', type: 'string', notNull: true }] }, /\('a'\) has 2 checks \(notNull, type\)|must NOT have more than 4 properties/],
    [{ expectations: [{ name: 'a', field: 'f', notNull: true }, { name: 'a', field: 'g', notNull: true }] }, /expectations\[1\] \('a'\) reuses a name/],
    [{ expectations: [{ name: 'a', field: 'f', pattern: '(' }] }, /expectations\[0\] \('a'\) has a pattern that is not a regular expression/],
    [{ expectations: [{ name: 'a', field: 'f', level: 'fatal', notNull: true }] }, /with\.expectations\[0\]\.level/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => resolveExpectationOptions(options), (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.CONFIG_INVALID && message.test(e.message), JSON.stringify(options));
  }
  assert.equal(resolveExpectationOptions({ window: '10m', expectations: [{ name: 'a', field: 'f', notNull: true }] }).window, 600_000);
});
