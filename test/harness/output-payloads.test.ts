/**
 * The crash tests' payload comparison (output-payloads.ts) on hand-made deliveries: equal payloads pass and
 * duplicates are counted; a different value, a different timestamp or key, or two deliveries of one id that
 * disagree each fail, naming the id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSamePayloads, type Delivery } from './output-payloads.js';

const output = (id: string, sum: number, timestamp = 1_099, key = 'u1'): Delivery => ({
  id,
  payload: { key, timestamp, value: { start: 1_000, end: 1_100, value: { count: 2, sum } } },
});
const clean = [output('a', 10), output('b', 20), output('c', 30)];

test('the same payloads under the same ids pass, in any order, duplicates counted', () => {
  assert.deepEqual(assertSamePayloads(clean, [output('c', 30), output('a', 10), output('b', 20), output('a', 10)], 'equal'), { duplicatedIds: 1 });
});

test('a payload that differs from the uninterrupted run under its id fails, naming the id', () => {
  assert.throws(
    () => assertSamePayloads(clean, [output('a', 10), output('b', 21), output('c', 30)], 'value'),
    /1 output ids whose payload differs[\s\S]*b: got/,
  );
  assert.throws(() => assertSamePayloads(clean, [output('a', 10, 1_100), output('b', 20), output('c', 30)], 'timestamp'), /a: got/);
  assert.throws(() => assertSamePayloads(clean, [output('a', 10), output('b', 20), output('c', 30, 1_099, 'u2')], 'key'), /c: got/);
});

test('duplicates of one id that disagree fail, even when the first equals the uninterrupted run', () => {
  assert.throws(
    () => assertSamePayloads(clean, [output('a', 10), output('b', 20), output('c', 30), output('a', 11)], 'duplicates'),
    /1 output ids delivered more than once with different payloads[\s\S]*a: /,
  );
});

test('ids the uninterrupted run lacks are left to the id-set checks', () => {
  assert.deepEqual(assertSamePayloads(clean, [...clean, output('z', 1)], 'extra'), { duplicatedIds: 0 });
});
