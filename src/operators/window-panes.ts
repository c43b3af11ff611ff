/**
 * Sliding windows without allowed lateness, kept as panes (Flink's window slicing): a record updates the one pane of
 * length `slide` that holds it, instead of every one of the size/slide windows it belongs to. A window is the merge
 * of its size/slide panes, computed when the watermark passes its end; a pane is dropped after the last window that
 * uses it has fired. Results equal the per-window computation; a record whose every window has fired goes to `late`.
 * A key's panes are one value (a short list, oldest first), so a batch writes a key once however many of its panes
 * it touched; and a key has one pending timer per run of windows that hold panes, not one per window and pane.
 */
import type { Aggregator, FiredTimer, Millis, WindowResult } from '../api/types.js';
import { LATE_PORT } from '../graph/model.js';
import type { Operator, OperatorContext } from './operator.js';

const PANES_STATE = 'pane-list';

/** A key's panes, by start time, oldest first: [pane start, accumulator]. */
type Panes = Array<[Millis, unknown]>;

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
    const state = ctx.state<Panes>(PANES_STATE);
    const panes = state.get() ?? [];
    // Records mostly fall in the newest pane: search from the end.
    let i = panes.length - 1;
    while (i >= 0 && panes[i]![0] > paneStart) i--;
    if (i >= 0 && panes[i]![0] === paneStart) {
      panes[i]![1] = this.aggregator.add(panes[i]![1], value);
    } else {
      panes.splice(i + 1, 0, [paneStart, this.aggregator.add(this.aggregator.create(), value)]);
      // Only the first window holding the new pane that has not fired gets a timer; each firing window registers
      // the next one while panes remain for it (onTimer).
      let end = paneStart + this.slide;
      while (end - 1 <= ctx.watermark) end += this.slide;
      ctx.timers.register(end - 1);
    }
    state.set(panes);
  }

  onTimer(timer: FiredTimer, ctx: OperatorContext): void {
    const end = timer.time + 1;
    const start = end - this.size;
    const state = ctx.state<Panes>(PANES_STATE);
    const panes = state.get();
    if (panes === undefined) return;
    let acc: unknown;
    let found = 0;
    let foundAfterFirst = false;
    for (const [paneStart, pane] of panes) {
      if (paneStart < start || paneStart >= end) continue;
      acc = found++ === 0 ? pane : this.aggregator.merge(acc, pane);
      if (paneStart > start) foundAfterFirst = true;
    }
    if (found > 0) {
      const result: WindowResult<unknown> = { key: ctx.key, start, end, value: this.aggregator.result(acc) };
      ctx.emit(result, end - 1);
    }
    // No window after this one uses a pane starting at `start` or earlier.
    let used = 0;
    while (used < panes.length && panes[used]![0] <= start) used++;
    // Panes this window leaves for later ones are unchanged: only dropping some is a write.
    if (used === panes.length) state.clear();
    else if (used > 0) state.set(panes.slice(used));
    // The next window holds every pane of this one but the first, and the pane starting at `end` (which registered
    // its own timer when it was created).
    if (foundAfterFirst) ctx.timers.register(end + this.slide - 1);
  }
}
