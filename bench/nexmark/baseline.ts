/**
 * The "no framework" baselines: each Nexmark query (q3 and q8 in baseline-joins.ts, q11 in baseline-sessions.ts) written as a plain single-threaded loop over the events, with the
 * same semantics as the Flywheel jobs (watermark = highest event time seen minus 4 s; a window fires when the
 * watermark passes its end; everything left fires at the end of input).
 */
import { higher, type HighestBid, type HotItems } from './queries.js';
import { NEXMARK_WATERMARK_DELAY, type Bid, type NexmarkEvent } from './model.js';
import { fireDue, tumblingEnd, type Emit } from './baseline-windows.js';
import { baselineQ3, baselineQ8 } from './baseline-joins.js';
import { baselineQ11 } from './baseline-sessions.js';

export type { Emit };

export function baselineQ0(events: Iterable<NexmarkEvent>, emit: Emit): void {
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    emit({ auction: e.auction, bidder: e.bidder, price: e.price, dateTime: e.dateTime, extra: e.extra }, e.dateTime);
  }
}

export function baselineQ1(events: Iterable<NexmarkEvent>, emit: Emit): void {
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    emit({ auction: e.auction, bidder: e.bidder, price: Math.floor(e.price * 0.908), dateTime: e.dateTime, extra: e.extra }, e.dateTime);
  }
}

export function baselineQ2(events: Iterable<NexmarkEvent>, emit: Emit): void {
  for (const e of events) if (e.kind === 'bid' && e.auction % 123 === 0) emit({ auction: e.auction, price: e.price }, e.dateTime);
}

export function baselineQ5(events: Iterable<NexmarkEvent>, emit: Emit): void {
  const windows = new Map<number, Map<number, number>>();
  let maxTs = -Infinity;
  let fired = -Infinity;
  const fire = (end: number, counts: Map<number, number>) => {
    let count = 0;
    let auctions: number[] = [];
    for (const [auction, n] of counts) {
      if (n > count) {
        count = n;
        auctions = [auction];
      } else if (n === count) auctions.push(auction);
    }
    const result: HotItems = { windowEnd: end, auctions: auctions.sort((a, b) => a - b), count };
    emit(result, end - 1);
  };
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    if (e.dateTime > maxTs) maxTs = e.dateTime;
    for (let start = e.dateTime - (((e.dateTime % 2_000) + 2_000) % 2_000); start > e.dateTime - 10_000; start -= 2_000) {
      const end = start + 10_000;
      if (end - 1 <= fired) continue;
      let counts = windows.get(end);
      if (!counts) windows.set(end, (counts = new Map()));
      counts.set(e.auction, (counts.get(e.auction) ?? 0) + 1);
    }
    const watermark = maxTs - NEXMARK_WATERMARK_DELAY;
    if (watermark > fired) {
      fireDue(windows, watermark, fire);
      fired = watermark;
    }
  }
  fireDue(windows, Infinity, fire);
}

export function baselineQ7(events: Iterable<NexmarkEvent>, emit: Emit): void {
  const windows = new Map<number, Bid>();
  let maxTs = -Infinity;
  let fired = -Infinity;
  const fire = (end: number, b: Bid) => {
    const result: HighestBid = { windowEnd: end, auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime };
    emit(result, end - 1);
  };
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    if (e.dateTime > maxTs) maxTs = e.dateTime;
    const end = tumblingEnd(e.dateTime, 10_000);
    if (end - 1 > fired) windows.set(end, higher(windows.get(end) ?? null, e)!);
    const watermark = maxTs - NEXMARK_WATERMARK_DELAY;
    if (watermark > fired) {
      fireDue(windows, watermark, fire);
      fired = watermark;
    }
  }
  fireDue(windows, Infinity, fire);
}

export const baselines: Record<string, (events: Iterable<NexmarkEvent>, emit: Emit) => void> = {
  q0: baselineQ0,
  q1: baselineQ1,
  q2: baselineQ2,
  q3: baselineQ3,
  q5: baselineQ5,
  q7: baselineQ7,
  q8: baselineQ8,
  q11: baselineQ11,
};
