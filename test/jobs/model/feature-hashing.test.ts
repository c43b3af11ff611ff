/** Feature hashing: which bucket and value each kind of named feature gets, crosses, collisions and bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIAS_FEATURE, checkHashingSpec, hashFeatures } from '../../../src/jobs/model/feature-hashing.js';
import { murmur3 } from '../../../src/core/murmur3.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const bits = 20;
const seed = 11;
const bucket = (key: string) => murmur3(key, seed) % 2 ** bits;
const asMap = (f: { indices: number[]; values: number[] }) => new Map(f.indices.map((i, j) => [i, f.values[j]!]));

test('numeric, categorical, boolean and missing features, plus the intercept', () => {
  const hashed = hashFeatures(
    { 'user.ctr': 0.25, 'item.category': 'shoes', 'user.vip': true, 'user.churned': false, 'item.brand': null, 'user.gmv': 0 },
    { bits, seed },
  );
  const expected = new Map([
    [bucket(BIAS_FEATURE), 1],
    [bucket('user.ctr'), 0.25],
    [bucket('item.category=shoes'), 1],
    [bucket('user.vip'), 1],
  ]);
  assert.deepEqual(asMap(hashed), expected);
  assert.deepEqual(
    hashed.indices,
    [...hashed.indices].sort((a, b) => a - b),
    'indices ascend',
  );
});

test('without the intercept only the named features remain', () => {
  assert.deepEqual(asMap(hashFeatures({ x: 2 }, { bits, seed, bias: false })), new Map([[bucket('x'), 2]]));
});

test('a cross multiplies member values in the bucket of the joined keys, and is absent when a member is', () => {
  const spec = { bits, seed, bias: false, crosses: [['user.segment', 'item.category', 'item.price']] };
  const hashed = asMap(hashFeatures({ 'user.segment': 'vip', 'item.category': 'shoes', 'item.price': 3 }, spec));
  assert.equal(hashed.get(bucket('user.segment=vip\u001fitem.category=shoes\u001fitem.price')), 3);
  assert.equal(hashed.size, 4);
  const partial = hashFeatures({ 'user.segment': 'vip', 'item.price': 3 }, spec);
  assert.equal(partial.indices.length, 2);
});

test('colliding features in one example are summed into one coordinate', () => {
  // Two buckets only: eleven features must collide; every value must survive in the sums.
  const named = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, i + 1]));
  const hashed = hashFeatures(named, { bits: 1, seed });
  assert.ok(hashed.indices.length <= 2 && new Set(hashed.indices).size === hashed.indices.length);
  assert.ok(hashed.indices.every((i) => i === 0 || i === 1));
  assert.equal(
    hashed.values.reduce((a, b) => a + b, 0),
    1 + 55,
  );
});

test('the same features always hash the same way; another seed moves them', () => {
  const named = { a: 'x', b: 1.5 };
  assert.deepEqual(hashFeatures(named, { bits, seed }), hashFeatures(named, { bits, seed }));
  assert.notDeepEqual(hashFeatures(named, { bits, seed }).indices, hashFeatures(named, { bits, seed: seed + 1 }).indices);
});

test('a non-finite numeric feature is a bad record; a bad spec is a config error', () => {
  assert.throws(
    () => hashFeatures({ price: Number.NaN }, { bits }),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.BAD_RECORD && /price/.test(e.message),
  );
  for (const b of [0, 31, 2.5])
    assert.throws(
      () => checkHashingSpec({ bits: b }),
      (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.CONFIG_INVALID,
    );
  assert.throws(() => checkHashingSpec({ bits, crosses: [['solo']] }), /at least two/);
  assert.doesNotThrow(() => checkHashingSpec({ bits, crosses: [['a', 'b']] }));
});
