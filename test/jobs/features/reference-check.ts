/**
 * The check every user-feature test makes of a record: each window's counts, sums and rates equal the plain reference
 * over the user's events (reference-features.ts) as of the record's time, distinct counts within the sketch's bound,
 * first and last seen exact, decayed rates equal up to rounding.
 */
import assert from 'node:assert/strict';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { hllStandardError } from '../../../src/jobs/features/hyperloglog.js';
import { referenceDecayedRate, referenceTally, type ReferenceWindow } from './reference-features.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Distinct counts: a set of at most m/4 = 64 values is kept exactly (equal up to 32-bit hash collisions, about
// n^2 / 2^33 of them: none here). Past that, an estimate is within 4 standard deviations plus one: the standard
// deviation is 1.04/sqrt(m) relative for large n and about n/sqrt(2m) absolute in the linear-counting range of small
// windows, and the extra one covers the discreteness there (two values sharing a register cost a whole count, with
// probability about n^2/2m; two such pairs are four times rarer than the normal tail allowed for).
const M = 256;
function distinctTolerance(n: number, lifetime: number): number {
  if (lifetime <= M / 4) return 0;
  return 4 * Math.max(hllStandardError(8) * n, n / Math.sqrt(2 * M)) + 1;
}

/** Checks a user's feature record against the reference over `mine`, the events that belong to it. */
export function assertMatchesReference(r: FeatureRecord, mine: readonly BehaviourEvent[], windows: Array<[string, ReferenceWindow | null]>): void {
  const lifetimeTally = referenceTally(mine, r.asOf, null);
  const [everItems, everCategories] = [lifetimeTally.distinctItems, lifetimeTally.distinctCategories];
  for (const [label, w] of windows) {
    const got = r.features.windows[label]!;
    const want = referenceTally(mine, r.asOf, w);
    const where = `${r.id} ${label} as of ${r.asOf}`;
    for (const type of ['view', 'click', 'cart', 'purchase', 'exposure']) assert.equal(got[type], want.counts[type], `${where}: ${type}`);
    assert.equal(got.gmv, want.gmv, `${where}: gmv`);
    assert.equal(got.ctr, want.counts.view ? want.counts.click! / want.counts.view : null, `${where}: ctr`);
    assert.equal(got.cartRate, want.counts.view ? want.counts.cart! / want.counts.view : null, `${where}: cartRate`);
    assert.equal(got.purchaseRate, want.counts.view ? want.counts.purchase! / want.counts.view : null, `${where}: purchaseRate`);
    assert.equal(got.averageOrderValue, want.counts.purchase ? want.gmv / want.counts.purchase : null, `${where}: averageOrderValue`);
    for (const [name, exact, lifetime] of [
      ['distinctItems', want.distinctItems, everItems],
      ['distinctCategories', want.distinctCategories, everCategories],
    ] as const) {
      assert.ok(Math.abs(got[name]! - exact) <= distinctTolerance(exact, lifetime), `${where}: ${name} ${got[name]} vs ${exact}`);
    }
  }
  const before = mine.filter((e) => e.ts < r.asOf);
  assert.equal(r.features.current.firstSeen, Math.min(...before.map((e) => e.ts)));
  assert.equal(r.features.current.lastSeen, Math.max(...before.map((e) => e.ts)));
  // The decayed rates are sums of exponentials added in another order: equal up to rounding.
  for (const [field, halfLife] of [
    ['activityRate', HOUR],
    ['activityRateLong', DAY],
  ] as const) {
    const want = referenceDecayedRate(mine, r.asOf, halfLife);
    assert.ok(Math.abs(r.features.current[field]! - want) <= 1e-9 * want, `${r.id} ${field} as of ${r.asOf}`);
  }
}
