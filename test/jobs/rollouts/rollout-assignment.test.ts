/**
 * Assignment by hash: deterministic, sticky as the share grows, at the share asked for, and independent between
 * rollouts. The share tolerances are 4 binomial standard deviations of 20,000 users (a correct hash is outside
 * them with probability about 6e-5 per check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTreated, rolloutBucket } from '../../../src/jobs/rollouts/rollout-assignment.js';

const USERS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
const within = (count: number, p: number, what: string) => {
  const sd = Math.sqrt(USERS.length * p * (1 - p));
  assert.ok(Math.abs(count - USERS.length * p) <= 4 * sd, `${what}: ${count} of ${USERS.length}, expected ${USERS.length * p} +- ${4 * sd}`);
};

test('a user treated at 5% stays treated at 20%, 50% and 100%; the treated shares are the shares asked for', () => {
  const schedule = [5, 20, 50, 100];
  const treated = schedule.map((share) => new Set(USERS.filter((u) => isTreated('policy-v2', u, share))));
  for (let s = 1; s < schedule.length; s++)
    for (const u of treated[s - 1]!) assert.ok(treated[s]!.has(u), `${u} treated at ${schedule[s - 1]}% but not at ${schedule[s]}%`);
  schedule.slice(0, 3).forEach((share, s) => within(treated[s]!.size, share / 100, `${share}%`));
  assert.equal(treated[3]!.size, USERS.length);
  assert.equal(USERS.filter((u) => isTreated('policy-v2', u, 0)).length, 0, 'share 0 treats nobody');
});

test('buckets depend on the rollout and the user only, and two rollouts split users independently', () => {
  assert.equal(rolloutBucket('policy-v2', 'user-7'), rolloutBucket('policy-v2', 'user-7'));
  const both = USERS.filter((u) => isTreated('policy-v2', u, 50) && isTreated('model-v9', u, 50)).length;
  within(both, 0.25, 'treated by both rollouts at 50%');
  for (const u of USERS.slice(0, 100)) {
    const b = rolloutBucket('policy-v2', u);
    assert.ok(b >= 0 && b < 100);
  }
});
