/** Decayed activity rates: a steady key reads its true rate from its first event on, and a rising one a trend above 1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advanceDecay, decayedRates, emptyDecay } from '../../../src/jobs/features/decayed-rate.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const halfLives = { short: HOUR, long: 24 * HOUR };

function ratesOf(times: number[], asOf: number) {
  return decayedRates(advanceDecay(emptyDecay(times[0]!), asOf, times, halfLives), halfLives, asOf - times[0]!);
}

test('a key with one event every 10 s reads 360 per hour and a flat trend, long before a day has passed', () => {
  const times = Array.from({ length: 180 }, (_, i) => i * 10_000);
  const r = ratesOf(times, 180 * 10_000);
  // Discrete events against a continuous rate: within 1% over half an hour of events.
  assert.ok(Math.abs(r.shortRate / 360 - 1) < 0.01, `short ${r.shortRate}`);
  assert.ok(Math.abs(r.longRate / 360 - 1) < 0.01, `long ${r.longRate}`);
  assert.ok(Math.abs(r.trend! - 1) < 0.01, `trend ${r.trend}`);
});

test('a key whose rate doubled in the last hour: rates and trend as for the continuous rate', () => {
  const slow = Array.from({ length: 5 * 60 }, (_, i) => i * MINUTE);
  const fast = Array.from({ length: 120 }, (_, i) => 5 * HOUR + i * 30_000);
  const r = ratesOf([...slow, ...fast], 6 * HOUR);
  // 60 per hour for hours 0-5, then 120 per hour: the decayed integral over the last 6 hours (s = hours ago), over
  // the same integral for a rate of 1 per hour.
  const expected = (halfLifeHours: number) => {
    const tau = halfLifeHours / Math.LN2;
    const integral = (a: number, b: number) => tau * (Math.exp(-a / tau) - Math.exp(-b / tau));
    return (120 * integral(0, 1) + 60 * integral(1, 6)) / integral(0, 6);
  };
  // Events at discrete times against a continuous rate: within 1%.
  assert.ok(Math.abs(r.shortRate / expected(1) - 1) < 0.01, `short ${r.shortRate} vs ${expected(1)}`);
  assert.ok(Math.abs(r.longRate / expected(24) - 1) < 0.01, `long ${r.longRate} vs ${expected(24)}`);
  assert.ok(Math.abs(r.trend! / (expected(1) / expected(24)) - 1) < 0.02);
  assert.ok(r.trend! > 1.2, 'rising');
});
