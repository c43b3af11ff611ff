/**
 * Staging of a key's events for folding at event-time steps (the rule the keyed processors that coalesce a key's
 * changes follow): an arriving event is kept as one small map entry under its fold time, the first multiple of the
 * interval E after its ts (or the step after the key's last fold, for an event arriving after it), and an
 * event-time timer at that time takes every entry due by then. A fold as of T therefore sees exactly the events
 * staged with ts < T, whatever the batching and watermark progress were.
 * State per key: `staging` value [next sequence number, time of the last fold or null], `staged` map.
 */
import type { ProcessContext } from '../../api/types.js';

const SEQUENCE_WIDTH = 10;
const STAGING = 'staging';
const STAGED = 'staged';

type Staging = [nextSequence: number, lastFold: number | null];

/** An entry whose first element is its fold time. */
export type Staged = [foldTime: number, ...rest: unknown[]];

/** The fold time of an event with time `ts`: the next step of `interval` after it, and after the key's last fold. */
export function stageForFold<S extends Staged>(ctx: ProcessContext<unknown>, ts: number, interval: number, entry: (foldTime: number) => S, timerNamespace: string): void {
  const staging = ctx.state<Staging>(STAGING);
  const [sequence, last] = staging.get() ?? [0, null];
  let due = (Math.floor(ts / interval) + 1) * interval;
  if (last !== null && due <= last) due = last + interval;
  ctx.mapState<S>(STAGED).set(sequence.toString(36).padStart(SEQUENCE_WIDTH, '0'), entry(due));
  staging.set([sequence + 1, last]);
  ctx.timers.register(due, timerNamespace);
}

/** Removes and returns the entries due by `asOf` in arrival order, and records `asOf` as the key's last fold. */
export function takeDueForFold<S extends Staged>(ctx: ProcessContext<unknown>, asOf: number): S[] {
  const staged = ctx.mapState<S>(STAGED);
  const due = staged.entries().filter(([, s]) => s[0] <= asOf);
  for (const [name] of due) staged.delete(name);
  const staging = ctx.state<Staging>(STAGING);
  staging.set([(staging.get() ?? [0, null])[0], asOf]);
  return due.map(([, s]) => s);
}
