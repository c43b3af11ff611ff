/** The timing wheel hands slots out in (time, push order), like a stable sort, and refuses times off its horizon. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimingWheel } from '../../../src/connectors/generator/timing-wheel.js';
import { mulberry32 } from '../../../src/core/seeded-random.js';

test('slots come out by time, ties in push order, including slots pushed while reading', () => {
  const r = mulberry32(7);
  const wheel = new TimingWheel(1000, 0);
  const times: number[] = [];
  const out: number[] = [];
  let now = 0;
  for (let slot = 0; slot < 5000; slot++) {
    const time = now + Math.floor(r() * 1000);
    times.push(time);
    wheel.push(time, slot);
    if (slot % 3 === 0) {
      now += Math.floor(r() * 4);
      for (let s = wheel.popUntil(now); s >= 0; s = wheel.popUntil(now)) out.push(s);
    }
  }
  for (let s = wheel.popUntil(Infinity); s >= 0; s = wheel.popUntil(Infinity)) out.push(s);
  // What a stable sort by time gives, among slots handed out in the same reading pass.
  assert.equal(out.length, 5000);
  for (let k = 1; k < out.length; k++) {
    const [a, b] = [out[k - 1]!, out[k]!];
    assert.ok(times[a]! < times[b]! || (times[a] === times[b] && a < b), `slot ${a} (t ${times[a]}) before ${b} (t ${times[b]})`);
  }
});

test('a time before the cursor or past the horizon is refused', () => {
  const wheel = new TimingWheel(100, 50);
  assert.throws(() => wheel.push(49, 0), /outside/);
  assert.throws(() => wheel.push(50 + 128, 0), /outside/);
  wheel.push(50 + 127, 0);
});
