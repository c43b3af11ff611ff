/**
 * Sliding windows as aligned time buckets. A window of `buckets` buckets of size B, evaluated as of time T (a
 * multiple of the emit interval, which B is a multiple of), covers the buckets k with
 *   ceil(T / B) - buckets <= k <= ceil(T / B) - 1,
 * that is the events with  start(T) <= ts < T  where start(T) = (ceil(T / B) - buckets) * B. When T is a multiple of
 * B this is exactly [T - size, T). Bucket k leaves the window at the first snapshot time after (k + buckets) * B.
 *
 * A tally is the counts per event type followed by the amount in integer cents, so sums are exact and do not depend
 * on the order events were added or buckets removed in.
 */
import type { WindowSpec } from './feature-options.js';

export type Tally = number[];

/** A window's buckets, ordered by index: [k, ...tally]. */
export type Buckets = number[][];

export function emptyTally(types: number): Tally {
  return new Array<number>(types + 1).fill(0);
}

export function addToTally(tally: Tally, typeIndex: number, cents: number): void {
  tally[typeIndex]! += 1;
  tally[tally.length - 1]! += cents;
}

export function windowStart(w: WindowSpec, asOf: number): number {
  return (Math.ceil(asOf / w.bucket) - w.buckets) * w.bucket;
}

/** Bucket k of the list, inserted empty in its place when missing. */
function bucketAt(buckets: Buckets, k: number, types: number): number[] {
  let i = buckets.length - 1;
  while (i >= 0 && buckets[i]![0]! > k) i--;
  if (i < 0 || buckets[i]![0] !== k) buckets.splice(++i, 0, [k, ...emptyTally(types)]);
  return buckets[i]!;
}

/** Adds an event to its bucket unless that bucket is already out of the window as of `asOf`. */
export function addToBuckets(buckets: Buckets, w: WindowSpec, asOf: number, ts: number, typeIndex: number, cents: number, types: number): void {
  const k = Math.floor(ts / w.bucket);
  if (k * w.bucket < windowStart(w, asOf)) return;
  const bucket = bucketAt(buckets, k, types);
  bucket[1 + typeIndex]! += 1;
  bucket[bucket.length - 1]! += cents;
}

/** Adds another list's buckets (same window) into `buckets`, but those already out of the window as of `asOf`. */
export function addBuckets(buckets: Buckets, other: Buckets, w: WindowSpec, asOf: number, types: number): void {
  const start = windowStart(w, asOf);
  for (const [k, ...tally] of other) {
    if (k! * w.bucket < start) continue;
    const bucket = bucketAt(buckets, k!, types);
    for (let j = 0; j < tally.length; j++) bucket[j + 1]! += tally[j]!;
  }
}

/** Removes the buckets that are out of the window as of `asOf`; returns how many were removed. */
export function pruneBuckets(buckets: Buckets, w: WindowSpec, asOf: number): number {
  const first = windowStart(w, asOf) / w.bucket;
  let n = 0;
  while (n < buckets.length && buckets[n]![0]! < first) n++;
  buckets.splice(0, n);
  return n;
}

/** The sum of the buckets in the window as of `asOf`. */
export function windowTally(buckets: Buckets, w: WindowSpec, asOf: number, types: number): Tally {
  const first = windowStart(w, asOf) / w.bucket;
  const sum = emptyTally(types);
  for (const b of buckets) {
    if (b[0]! < first) continue;
    for (let j = 0; j < sum.length; j++) sum[j]! += b[j + 1]!;
  }
  return sum;
}

/** The first snapshot time at which the oldest bucket leaves the window, or null without buckets. */
export function nextExpiry(buckets: Buckets, w: WindowSpec, emitInterval: number): number | null {
  return buckets.length === 0 ? null : (buckets[0]![0]! + w.buckets) * w.bucket + emitInterval;
}
