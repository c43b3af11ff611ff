/**
 * The estimate of a decoded state value's heap bytes (value-size.ts) against V8's own count: many values of the
 * shapes the shipped jobs store are decoded from msgpack, as LMDB reads them, and the heap they take after a full
 * collection is compared with the sum of their estimates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pack, unpack } from 'msgpackr';
import { estimateBytes } from '../../src/state/value-size.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const COUNT = 20_000;

/** Heap bytes taken by COUNT values decoded from their msgpack encoding, and the sum of their estimates. */
function measured(make: (i: number) => unknown): { heap: number; estimate: number } {
  const encoded = Array.from({ length: COUNT }, (_, i) => pack(make(i)));
  const values: unknown[] = new Array(COUNT);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < COUNT; i++) values[i] = unpack(encoded[i]!);
  collectGarbage();
  const heap = process.memoryUsage().heapUsed - before;
  return { heap, estimate: values.reduce<number>((sum, v) => sum + estimateBytes(v), 0) };
}

const SHAPES: Record<string, (i: number) => unknown> = {
  // A feature aggregate: tallies, times and window buckets (arrays of small integers, a few fractions).
  'feature aggregate': (i) => [
    {
      lifetime: [i, 2, 3, 4, 5, 1234.5],
      firstSeen: 1.7e12 + i,
      lastSeen: 1.7e12,
      buckets: [Array.from({ length: 30 }, (_, k) => [k + i, 1, 0, 2, 0, 0, 999]), Array.from({ length: 10 }, (_, k) => [k, 1, 0, 2, 0, 0, 999])],
      decay: { at: 1.7e12, counts: [0.5 + i, 0.25] },
    },
  ],
  // A model's weights: fractions only.
  'array of fractions': (i) => [Array.from({ length: 64 }, (_, k) => k * 0.37 + i)],
  // A record with strings and a nested list.
  'record with strings': (i) => [{ id: `user-${i}`, name: `${i}`.padEnd(40 + (i % 20), 'x'), tags: [`a${i}`, 'bb', 'ccc'], score: i + 0.5 }],
};

for (const [shape, make] of Object.entries(SHAPES)) {
  test(`the estimate of a ${shape} is within 30% of the heap it takes`, () => {
    const { heap, estimate } = measured(make);
    // 30%: the estimate ignores what V8 shares (shapes, internalized strings) and the slack of backing stores; the
    // budget it serves is a bound to configure, not an exact count.
    assert.ok(Math.abs(estimate - heap) <= 0.3 * heap, `${shape}: estimated ${estimate} bytes, heap grew by ${heap}`);
  });
}

test('small values are estimated by the layout value-size.ts describes, worked by hand', () => {
  // 64-bit fields of 8 bytes. An object: a header of 3 fields (map, properties, elements) plus a field per property;
  // an array: a JSArray of 4 fields plus its backing store's header of 2, plus a field per element; a string: a
  // header of 3 fields plus a byte per character; a number that is not a small integer (below 2^30 in size): a
  // 16-byte box; a byte array: 12 fields of view and buffer plus its bytes. The heap comparisons above cannot tell
  // these apart on large values, where the contents dominate; a cache of many small states counts mostly headers.
  assert.equal(estimateBytes({}), 24);
  assert.equal(estimateBytes({ count: 3, sum: 7 }), 24 + 2 * 8);
  assert.equal(estimateBytes([]), 48);
  assert.equal(estimateBytes([1, 2]), 48 + 2 * 8);
  assert.equal(estimateBytes([[1, 2], { n: 1 }]), 48 + 2 * 8 + (48 + 2 * 8) + (24 + 8));
  assert.equal(estimateBytes('abc'), 24 + 3);
  assert.equal(estimateBytes(2 ** 30 - 1), 0);
  assert.equal(estimateBytes(-(2 ** 30) + 1), 0);
  assert.equal(estimateBytes(2 ** 30), 16);
  assert.equal(estimateBytes(-(2 ** 30)), 16);
  assert.equal(estimateBytes(0.5), 16);
  assert.equal(estimateBytes(new Uint8Array(10)), 96 + 10);
  assert.equal(estimateBytes(null), 0);
  assert.equal(estimateBytes(true), 0);
  assert.equal(estimateBytes({ payload: new Uint8Array(4), tags: ['ab'], score: 1.5, seen: null }), 24 + 4 * 8 + (96 + 4) + (48 + 8 + 24 + 2) + 16);
});
