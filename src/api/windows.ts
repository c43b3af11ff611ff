/**
 * Window assigners as values: tumbling, sliding and session windows. A spec is plain data (it goes in the graph and
 * in YAML); `assignWindows` maps an event time to the windows it belongs to.
 */
import type { Millis } from './types.js';

export type WindowAssigner =
  | { type: 'tumbling'; size: Millis; offset?: Millis }
  | { type: 'sliding'; size: Millis; slide: Millis; offset?: Millis }
  | { type: 'session'; gap: Millis };

export interface TimeWindow {
  start: Millis;
  end: Millis;
}

export const tumbling = (size: Millis, offset = 0): WindowAssigner => ({ type: 'tumbling', size, offset });
export const sliding = (size: Millis, slide: Millis, offset = 0): WindowAssigner => ({ type: 'sliding', size, slide, offset });
export const session = (gap: Millis): WindowAssigner => ({ type: 'session', gap });

/** Start of the window of length `step` (aligned to `offset`) that contains `ts`; correct for negative times. */
function alignedStart(ts: Millis, step: Millis, offset: Millis): Millis {
  const rem = (((ts - offset) % step) + step) % step;
  return ts - rem;
}

/** The windows an event at `ts` belongs to; a session window is the event's own [ts, ts + gap), merged later. */
export function assignWindows(assigner: WindowAssigner, ts: Millis): TimeWindow[] {
  switch (assigner.type) {
    case 'tumbling': {
      const start = alignedStart(ts, assigner.size, assigner.offset ?? 0);
      return [{ start, end: start + assigner.size }];
    }
    case 'sliding': {
      const windows: TimeWindow[] = [];
      const last = alignedStart(ts, assigner.slide, assigner.offset ?? 0);
      for (let start = last; start > ts - assigner.size; start -= assigner.slide) {
        windows.push({ start, end: start + assigner.size });
      }
      return windows;
    }
    case 'session':
      return [{ start: ts, end: ts + assigner.gap }];
  }
}

export function describeAssigner(a: WindowAssigner): string {
  switch (a.type) {
    case 'tumbling':
      return `tumbling ${a.size}ms`;
    case 'sliding':
      return `sliding ${a.size}ms every ${a.slide}ms`;
    case 'session':
      return `session gap ${a.gap}ms`;
  }
}
