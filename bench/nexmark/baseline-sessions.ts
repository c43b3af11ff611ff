/**
 * Plain single-threaded baseline of Nexmark q11: bids per bidder in session windows with a 10 s gap. Sessions of a
 * bidder merge when a bid falls within the gap of one; a session fires as soon as the watermark (highest event time
 * minus 4 s) passes its end - 1. Due sessions come off a min-heap of (end, bidder); an entry whose session has since
 * grown or fired is stale and skipped.
 */
import type { Emit } from './baseline-windows.js';
import { NEXMARK_WATERMARK_DELAY, type NexmarkEvent } from './model.js';

const GAP = 10_000;

interface Session {
  start: number;
  end: number;
  count: number;
}

/** A binary min-heap of [end, bidder], ordered by end then bidder. */
class DueHeap {
  private readonly items: Array<[number, number]> = [];

  push(item: [number, number]): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  peek(): [number, number] | undefined {
    return this.items[0];
  }

  pop(): void {
    const a = this.items;
    const last = a.pop()!;
    if (a.length === 0) return;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }

  private less(x: [number, number], y: [number, number]): boolean {
    return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
  }
}

export function baselineQ11(events: Iterable<NexmarkEvent>, emit: Emit): void {
  const open = new Map<number, Session[]>();
  const due = new DueHeap();
  let maxTs = -Infinity;
  const fireDue = (watermark: number) => {
    for (let next = due.peek(); next && next[0] - 1 <= watermark; next = due.peek()) {
      due.pop();
      const [end, bidder] = next;
      const sessions = open.get(bidder) ?? [];
      const s = sessions.find((x) => x.end === end);
      if (!s) continue;
      emit({ bidder, bidCount: s.count, starttime: s.start, endtime: s.end }, s.end - 1);
      const kept = sessions.filter((x) => x !== s);
      if (kept.length === 0) open.delete(bidder);
      else open.set(bidder, kept);
    }
  };
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    if (e.dateTime > maxTs) maxTs = e.dateTime;
    const watermark = maxTs - NEXMARK_WATERMARK_DELAY;
    let merged: Session = { start: e.dateTime, end: e.dateTime + GAP, count: 1 };
    const rest: Session[] = [];
    for (const s of open.get(e.bidder) ?? []) {
      if (s.start < merged.end && merged.start < s.end)
        merged = { start: Math.min(s.start, merged.start), end: Math.max(s.end, merged.end), count: s.count + merged.count };
      else rest.push(s);
    }
    if (merged.end - 1 > watermark) {
      open.set(e.bidder, [...rest, merged]);
      due.push([merged.end, e.bidder]);
    }
    fireDue(watermark);
  }
  fireDue(Infinity);
}
