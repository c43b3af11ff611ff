/**
 * The window step on random input against a plain model of the window contract (docs/runtime.md, "Event time"),
 * step by step: after every record and every watermark, what the step emitted since (results with their event time,
 * late records) equals what the model emits. Tumbling, sliding (kept as panes or window by window, with offsets)
 * and session windows, with and without allowed lateness, records arriving behind the watermark, in all its windows
 * or only some. The model knows only the definitions:
 * - a record at t belongs to every window [s, s + size) holding t with s = offset (mod slide), or opens a session
 *   [t, t + gap) that merges with every session it overlaps;
 * - a window (session) that the watermark has passed by its end - 1 + allowed lateness takes no record: a record
 *   with no window that takes it goes to `late`;
 * - a window fires once the watermark reaches its end - 1, with the aggregate of its records, at event time end - 1;
 *   a record it takes after that (within lateness) fires it again at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../harness/operator-harness.js';
import type { WindowResult } from '../../src/api/types.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

interface ModelWindow {
  start: number;
  end: number;
  count: number;
  fired: boolean;
}

type Assigner =
  | { type: 'tumbling'; size: number; offset?: number }
  | { type: 'sliding'; size: number; slide: number; offset?: number }
  | { type: 'session'; gap: number };

/** What the contract says a window step emits; results as `key start end count @time`, late records by value. */
class WindowModel {
  private readonly windows = new Map<string, ModelWindow[]>();
  watermark = -Infinity;
  constructor(
    private readonly assigner: Assigner,
    private readonly lateness: number,
  ) {}

  private closed(w: { end: number }): boolean {
    return w.end - 1 + this.lateness <= this.watermark;
  }

  /** Returns the results and late record the record causes at once. */
  record(key: string, ts: number, value: string, results: string[], late: string[]): void {
    const windows = this.windows.get(key) ?? [];
    this.windows.set(key, windows);
    const a = this.assigner;
    let taken: ModelWindow[];
    if (a.type === 'session') {
      let merged = { start: ts, end: ts + a.gap };
      const parts: ModelWindow[] = [];
      for (let grew = true; grew; ) {
        grew = false;
        for (const w of windows) {
          if (!parts.includes(w) && w.start < merged.end && merged.start < w.end) {
            parts.push(w);
            merged = { start: Math.min(merged.start, w.start), end: Math.max(merged.end, w.end) };
            grew = true;
          }
        }
      }
      if (this.closed(merged)) {
        late.push(value);
        return;
      }
      for (const p of parts) windows.splice(windows.indexOf(p), 1);
      const session = { ...merged, count: parts.reduce((n, p) => n + p.count, 0), fired: false };
      windows.push(session);
      taken = [session];
    } else {
      const [size, slide] = a.type === 'tumbling' ? [a.size, a.size] : [a.size, a.slide];
      const offset = a.offset ?? 0;
      taken = [];
      for (let start = ts - size + 1; start <= ts; start++) {
        if ((((start - offset) % slide) + slide) % slide !== 0 || this.closed({ end: start + size })) continue;
        let w = windows.find((x) => x.start === start);
        if (!w) windows.push((w = { start, end: start + size, count: 0, fired: false }));
        taken.push(w);
      }
      if (taken.length === 0) {
        late.push(value);
        return;
      }
    }
    for (const w of taken) {
      w.count++;
      if (w.end - 1 <= this.watermark) {
        w.fired = true;
        results.push(`${key} ${w.start} ${w.end} ${w.count} @${w.end - 1}`);
      }
    }
  }

  /** Returns the results the watermark fires; drops the windows past their lateness. */
  advance(watermark: number, results: string[]): void {
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    for (const [key, windows] of this.windows) {
      for (const w of windows) {
        if (!w.fired && w.end - 1 <= watermark) {
          w.fired = true;
          results.push(`${key} ${w.start} ${w.end} ${w.count} @${w.end - 1}`);
        }
      }
      this.windows.set(
        key,
        windows.filter((w) => !this.closed(w)),
      );
    }
  }
}

const cases: Array<[string, Assigner, number]> = [
  ['tumbling, offset 3', { type: 'tumbling', size: 10, offset: 3 }, 0],
  ['tumbling, lateness 7', { type: 'tumbling', size: 10 }, 7],
  ['sliding 12/3 (panes)', { type: 'sliding', size: 12, slide: 3 }, 0],
  ['sliding 12/4, offset 1 (panes)', { type: 'sliding', size: 12, slide: 4, offset: 1 }, 0],
  ['sliding 12/3, lateness 5', { type: 'sliding', size: 12, slide: 3 }, 5],
  ['sliding 10/4 (not a whole number of slides)', { type: 'sliding', size: 10, slide: 4 }, 0],
  ['sliding 6/6', { type: 'sliding', size: 6, slide: 6 }, 0],
  ['session gap 5', { type: 'session', gap: 5 }, 0],
  ['session gap 5, lateness 4', { type: 'session', gap: 5 }, 4],
];

for (const [name, assigner, lateness] of cases) {
  test(`window step against the model: ${name}`, () => {
    for (const seed of [1, 2, 3]) {
      const next = mulberry32(seed * 7919 + name.length);
      const h = OperatorHarness.of('window', { assigner, aggregate: { type: 'count' }, allowedLateness: lateness });
      const model = new WindowModel(assigner, lateness);
      let [seenResults, seenLate, watermark, lateCount, resultCount] = [0, 0, 0, 0, 0];
      const emitted = () => {
        const results = h.outputs.slice(seenResults).map((o) => {
          const r = o.value as WindowResult<number>;
          return `${r.key} ${r.start} ${r.end} ${r.value} @${o.timestamp}`;
        });
        const late = h
          .sideOutput('late')
          .slice(seenLate)
          .map((o) => o.value as string);
        seenResults = h.outputs.length;
        seenLate = h.sideOutput('late').length;
        return { results: results.sort(), late };
      };
      for (let i = 0; i < 300; i++) {
        const want = { results: [] as string[], late: [] as string[] };
        let what: string;
        if (next() < 0.2) {
          watermark += Math.floor(next() * 9);
          h.processWatermark(watermark);
          model.advance(watermark, want.results);
          what = `watermark ${watermark}`;
        } else {
          const key = `k${Math.floor(next() * 3)}`;
          // Mostly near the watermark, some far behind it (late for every window), some well ahead.
          const ts = watermark + Math.floor(next() * 24) - 8 - (next() < 0.1 ? 30 : 0) + (next() < 0.1 ? 40 : 0);
          h.processElement(key, `r${i}`, ts);
          model.record(key, ts, `r${i}`, want.results, want.late);
          what = `record r${i} of ${key} at ${ts}, watermark ${watermark}`;
        }
        want.results.sort();
        assert.deepEqual(emitted(), want, `seed ${seed}, after ${what}`);
        lateCount += want.late.length;
        resultCount += want.results.length;
      }
      watermark = 1_000_000;
      h.processWatermark(watermark);
      const want: string[] = [];
      model.advance(watermark, want);
      assert.deepEqual(emitted(), { results: want.sort(), late: [] }, `seed ${seed}, at the end`);
      assert.ok(lateCount > 5 && resultCount > 30, `seed ${seed}: the input makes late records (${lateCount}) and results (${resultCount})`);
      assert.equal(h.pendingTimers(), 0, `seed ${seed}: no timer left`);
      assert.equal(h.stateEntries(), 0, `seed ${seed}: no window left`);
    }
  });
}
