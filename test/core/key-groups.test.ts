/** Key -> key group: FNV-1a then murmur3's fmix32, checked against published and independently computed values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashKey, keyGroupOf, normalizeKey } from '../../src/core/key-groups.js';
import { keyGroupsOfSlot, slotOfKeyGroup } from '../../src/graph/planner.js';

test('hash matches FNV-1a (published offset basis and the value for "a") followed by fmix32', () => {
  // FNV-1a 32 of "" is the offset basis 0x811c9dc5 and of "a" is 0xe40c292c (isthe.com FNV test vectors);
  // the fmix32 results were computed separately with Python integer arithmetic.
  assert.equal(hashKey(''), 2872998923);
  assert.equal(hashKey('a'), 444641715);
  assert.equal(hashKey('user-42'), 2083131798);
  assert.equal(keyGroupOf('user-42', 128), 2083131798 % 128);
});

test('keys spread evenly over key groups', () => {
  const groups = new Array(128).fill(0);
  const n = 128_000;
  for (let i = 0; i < n; i++) groups[keyGroupOf(`user-${i}`, 128)]++;
  // Expected 1000 per group; a binomial sd is about 31.5, so 6 sd (±190) bounds every group with overwhelming odds.
  for (const c of groups) assert.ok(Math.abs(c - 1000) < 190, `group count ${c}`);
});

test('numbers key as their decimal strings; other values are no key', () => {
  assert.equal(normalizeKey(7), '7');
  assert.equal(keyGroupOf(normalizeKey(7)!, 128), keyGroupOf('7', 128));
  assert.equal(normalizeKey(null), undefined);
  assert.equal(normalizeKey({}), undefined);
  assert.equal(normalizeKey(Number.NaN), undefined);
});

test('slots own contiguous, disjoint ranges of key groups covering all of them', () => {
  const seen: number[] = [];
  for (let slot = 0; slot < 12; slot++) {
    const groups = keyGroupsOfSlot(slot, 128, 12);
    assert.ok(groups.length >= 10 && groups.length <= 11);
    assert.deepEqual(
      groups,
      Array.from({ length: groups.length }, (_, i) => groups[0]! + i),
      'contiguous',
    );
    for (const g of groups) assert.equal(slotOfKeyGroup(g, 128, 12), slot);
    seen.push(...groups);
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 128 }, (_, i) => i),
  );
});
