/**
 * Plain single-threaded baseline of Nexmark q11: bids per bidder in session windows with a 10 s gap. Sessions of a
 * bidder merge when a bid falls within the gap of one; a session fires once the watermark (highest event time minus
 * 4 s) passes its end - 1. Due sessions are looked for each time the watermark crosses a second: firing later than
 * the watermark allows changes nothing, since a bid at most 4 s behind the highest time seen cannot reach a session
 * whose end the watermark has passed.
 */
import type { Emit } from './baseline-windows.js';
import { NEXMARK_WATERMARK_DELAY, type NexmarkEvent } from './model.js';

const GAP = 10_000;

interface Session {
  start: number;
  end: number;
  count: number;
}

export function baselineQ11(events: Iterable<NexmarkEvent>, emit: Emit): void {
  const open = new Map<number, Session[]>();
  let maxTs = -Infinity;
  let lookedAt = -Infinity;
  const fire = (bidder: number, s: Session) => emit({ bidder, bidCount: s.count, starttime: s.start, endtime: s.end }, s.end - 1);
  const fireDue = (watermark: number) => {
    const due: Array<[number, Session]> = [];
    for (const [bidder, sessions] of open) {
      const kept = sessions.filter((s) => s.end - 1 > watermark);
      for (const s of sessions) if (s.end - 1 <= watermark) due.push([bidder, s]);
      if (kept.length === 0) open.delete(bidder);
      else if (kept.length !== sessions.length) open.set(bidder, kept);
    }
    due.sort((a, b) => a[1].end - b[1].end || a[0] - b[0]).forEach(([bidder, s]) => fire(bidder, s));
  };
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    if (e.dateTime > maxTs) maxTs = e.dateTime;
    const watermark = maxTs - NEXMARK_WATERMARK_DELAY;
    let merged: Session = { start: e.dateTime, end: e.dateTime + GAP, count: 1 };
    const rest: Session[] = [];
    for (const s of open.get(e.bidder) ?? []) {
      if (s.start < merged.end && merged.start < s.end) merged = { start: Math.min(s.start, merged.start), end: Math.max(s.end, merged.end), count: s.count + merged.count };
      else rest.push(s);
    }
    if (merged.end - 1 > watermark) open.set(e.bidder, [...rest, merged]);
    if (Math.floor(watermark / 1000) > Math.floor(lookedAt / 1000)) {
      fireDue(watermark);
      lookedAt = watermark;
    }
  }
  fireDue(Infinity);
}
