/**
 * Sliding windows without allowed lateness, kept as panes (Flink's window slicing): a record updates the one pane of
 * length `slide` that holds it, instead of every one of the size/slide windows it belongs to. A window is the merge
 * of its size/slide panes, computed when the watermark passes its end; a pane is dropped after the last window that
 * uses it has fired. A key has one pending timer per run of windows that hold panes, not one per window and pane. Results equal the per-window computation; a record whose every window has fired goes to `late`.
 */
import type { Aggregator, FiredTimer, Millis, WindowResult } from '../api/types.js';
import { LATE_PORT } from '../graph/model.js';
import type { Operator, OperatorContext } from './operator.js';

const PANES_STATE = 'panes';

export class SlidingPanes implements Operator {
  constructor(
    private readonly size: Millis,
    private readonly slide: Millis,
    private readonly offset: Millis,
    private readonly aggregator: Aggregator<unknown, unknown, unknown>,
  ) {}

  /** Panes can stand in for windows when each window is a whole number of panes and nothing fires late. */
  static applies(size: Millis, slide: Millis, allowedLateness: Millis): boolean {
    return allowedLateness === 0 && size > slide && size % slide === 0;
  }

  onRecord(value: unknown, ctx: OperatorContext): void {
    const paneStart = ctx.timestamp - ((((ctx.timestamp - this.offset) % this.slide) + this.slide) % this.slide);
    // The last window holding this pane ends at paneStart + size; if even that one has fired, the record is late.
    if (paneStart + this.size - 1 <= ctx.watermark) {
      ctx.sideOutput(LATE_PORT, value);
      return;
    }
    const panes = ctx.mapState<unknown>(PANES_STATE);
    const name = String(paneStart);
    const previous = panes.get(name);
    if (previous === undefined) {
      // Only the first window holding the pane that has not fired gets a timer; each firing window registers the
      // next one while panes remain for it (onTimer), so a pane costs one timer instead of size/slide.
      let end = paneStart + this.slide;
      while (end - 1 <= ctx.watermark) end += this.slide;
      ctx.timers.register(end - 1);
    }
    panes.set(name, this.aggregator.add(previous === undefined ? this.aggregator.create() : previous, value));
  }

  onTimer(timer: FiredTimer, ctx: OperatorContext): void {
    const end = timer.time + 1;
    const start = end - this.size;
    const panes = ctx.mapState<unknown>(PANES_STATE);
    let acc: unknown;
    let found = 0;
    let foundAfterFirst = false;
    for (let paneStart = start; paneStart < end; paneStart += this.slide) {
      const pane = panes.get(String(paneStart));
      if (pane === undefined) continue;
      acc = found++ === 0 ? pane : this.aggregator.merge(acc, pane);
      if (paneStart > start) foundAfterFirst = true;
    }
    if (found > 0) {
      const result: WindowResult<unknown> = { key: ctx.key, start, end, value: this.aggregator.result(acc) };
      ctx.emit(result, end - 1);
    }
    panes.delete(String(start));
    // The next window holds every pane of this one but the first, and the pane starting at `end` (which registered
    // its own timer when it was created).
    if (foundAfterFirst) ctx.timers.register(end + this.slide - 1);
  }
}
