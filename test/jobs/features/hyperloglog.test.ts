/**
 * The sliding HyperLogLog: exact while small, the paper's standard error once in registers (checked over many
 * independent sets), window queries against exact distinct counts, and order independence (a replay that meets the
 * same values in another order builds the same sketch), and merging (two sketches merged equal one fed both streams).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHll, hllAdd, hllCell, hllEstimate, hllMerge, hllStandardError } from '../../../src/jobs/features/hyperloglog.js';
import { murmur3 } from '../../../src/core/murmur3.js';
import { mulberry32 } from '../../../src/core/seeded-random.js';

const hashOf = (set: number, i: number) => murmur3(`set${set}-value${i}`);

test('the standard error is 1.04 / sqrt(m)', () => {
  assert.equal(hllStandardError(8), 1.04 / 16);
  assert.equal(hllStandardError(10), 1.04 / 32);
});

test('up to m/4 distinct values the count is exact, and it keeps growing sensibly past that', () => {
  const sketch = emptyHll();
  for (let i = 0; i < 64; i++) {
    hllAdd(sketch, 8, hashOf(0, i), 0, 0);
    hllAdd(sketch, 8, hashOf(0, i), 1, 0);
    assert.equal(hllEstimate(sketch, 8, null), i + 1);
  }
  assert.notEqual(sketch.exact, null);
  hllAdd(sketch, 8, hashOf(0, 64), 1, 0);
  assert.equal(sketch.exact, null, 'the 65th value moves the sketch to registers');
  // 65 values in 256 registers is HyperLogLog's linear-counting range: its standard deviation is about
  // sqrt(m (e^t - t - 1)) with t = n/m, 3.0 here; allow 4 of them.
  assert.ok(Math.abs(hllEstimate(sketch, 8, null) - 65) <= 4 * 3.0);
});

for (const precision of [8, 10]) {
  test(`with p = ${precision}, the relative error over 40 independent sets has the stated standard error`, () => {
    const se = hllStandardError(precision);
    for (const n of [2_000, 20_000]) {
      const errors: number[] = [];
      for (let set = 0; set < 40; set++) {
        const sketch = emptyHll();
        for (let i = 0; i < n; i++) hllAdd(sketch, precision, hashOf(set + n, i), 0, 0);
        const error = hllEstimate(sketch, precision, null) / n - 1;
        // Each within 4 standard errors: a normal deviate beyond 4 has probability 6e-5.
        assert.ok(Math.abs(error) <= 4 * se, `n ${n} set ${set}: error ${error}`);
        errors.push(error);
      }
      // The root mean square of 40 errors with standard deviation se: 40 (rms/se)^2 follows chi-square with 40
      // degrees of freedom, which exceeds 1.5^2 * 40 = 90 with probability below 1e-5.
      const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
      assert.ok(rms <= 1.5 * se, `n ${n}: rms ${rms} vs ${se}`);
      // And it is not suspiciously small either (chi-square 40 below 0.4^2 * 40 = 6.4: probability below 1e-8).
      assert.ok(rms >= 0.4 * se, `n ${n}: rms ${rms} vs ${se}`);
    }
  });
}

test('window queries count the values last seen at or after the window start', () => {
  const r = mulberry32(9);
  const sketch = emptyHll();
  const lastSeen = new Map<number, number>();
  for (let i = 0; i < 30_000; i++) {
    const t = Math.floor(i / 100);
    const value = Math.floor(r() * 4000);
    hllAdd(sketch, 10, hashOf(1, value), t, 0);
    lastSeen.set(value, t);
  }
  const se = hllStandardError(10);
  for (const start of [0, 100, 200, 250, 290, 299]) {
    const exact = [...lastSeen.values()].filter((t) => t >= start).length;
    const estimate = hllEstimate(sketch, 10, start);
    // 4 standard errors, and 4 linear-counting deviations (about n / sqrt(2m)) for the small late windows.
    const tolerance = 4 * Math.max(se * exact, exact / Math.sqrt(2 * 1024));
    assert.ok(Math.abs(estimate - exact) <= tolerance, `start ${start}: ${estimate} vs ${exact}`);
  }
  assert.equal(hllEstimate(sketch, 10, 300), 0, 'nothing at or after time 300');
});

test('a register written with a later horizon keeps no pair before it; the lifetime maxima stay', () => {
  const sketch = emptyHll();
  const touchedLater = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const later = i >= 1000;
    hllAdd(sketch, 8, hashOf(2, i), later ? 50 : 5, later ? 40 : 0);
    if (later) touchedLater.add(String(hllCell(hashOf(2, i), 8).register));
  }
  for (const register of touchedLater) {
    const times = sketch.registers[register]!.slice(1).filter((_, j) => j % 2 === 0);
    assert.ok(
      times.every((t) => t >= 40),
      `register ${register} keeps ${times.join(',')}`,
    );
  }
  const se = hllStandardError(8);
  assert.ok(Math.abs(hllEstimate(sketch, 8, null) / 2000 - 1) <= 4 * se);
  assert.ok(Math.abs(hllEstimate(sketch, 8, 40) / 1000 - 1) <= 4 * se);
});

test('the same values and times in another order build the same sketch', () => {
  const r = mulberry32(4);
  const adds = Array.from({ length: 3000 }, (_, i) => [hashOf(3, Math.floor(r() * 1500)), i % 97] as const);
  const shuffled = [...adds].sort(() => r() - 0.5);
  const [a, b] = [emptyHll(), emptyHll()];
  for (const [h, t] of adds) hllAdd(a, 8, h, t, 0);
  for (const [h, t] of shuffled) hllAdd(b, 8, h, t, 0);
  assert.deepEqual(b, a);
});

test('a merged sketch equals one sketch fed both streams: exact sets, registers, and one of each', () => {
  const r = mulberry32(5);
  const stream = (n: number, values: number) => Array.from({ length: n }, () => [hashOf(4, Math.floor(r() * values)), Math.floor(r() * 200)] as const);
  // Sizes around m/4 = 64 distinct values: both exact, one exact and one in registers, both in registers.
  for (const [n1, n2] of [
    [20, 30],
    [40, 3000],
    [3000, 40],
    [3000, 2000],
  ] as const) {
    const [s1, s2] = [stream(n1, n1), stream(n2, n2)];
    const [a, b, both] = [emptyHll(), emptyHll(), emptyHll()];
    for (const [h, t] of s1) hllAdd(a, 8, h, t, 0);
    for (const [h, t] of s2) hllAdd(b, 8, h, t, 0);
    for (const [h, t] of [...s1, ...s2]) hllAdd(both, 8, h, t, 0);
    hllMerge(a, b, 8, 0);
    for (const start of [null, 0, 50, 150, 199]) {
      assert.equal(hllEstimate(a, 8, start), hllEstimate(both, 8, start), `${n1} + ${n2} values, window from ${start}`);
    }
  }
});
