/**
 * Staging of a key's events for folding at event-time steps (the rule the keyed processors that coalesce a key's
 * changes follow): an arriving event is staged under its fold time, the first multiple of the interval E after its
 * ts (or the step after the key's last fold, for an event arriving after it), and an event-time timer at that time
 * takes every entry due by then. A fold as of T therefore sees exactly the events staged with ts < T, whatever the
 * batching and watermark progress were.
 * State per key: `staging`, one value [time of the last fold or null, staged entries in arrival order]. One value,
 * not a map entry per event: each LMDB write costs microseconds, and a map entry per event was written when the
 * event arrived and deleted when it was folded, two writes per event that the value saves (a key's value is
 * written once per commit however many events it took).
 * Keys staged by the earlier layout (`staging` [next sequence, last fold] beside a `staged` map with an entry per
 * event) are moved into the value the first time they are touched.
 */
import type { ProcessContext } from '../../api/types.js';

const STAGING = 'staging';
const LEGACY_STAGED = 'staged';

/** An entry whose first element is its fold time. */
export type Staged = [foldTime: number, ...rest: unknown[]];

type Staging<S> = [lastFold: number | null, staged: S[]];
type LegacyStaging = [nextSequence: number, lastFold: number | null];

function readStaging<S extends Staged>(ctx: ProcessContext<unknown>): Staging<S> {
  const stored = ctx.state<Staging<S> | LegacyStaging>(STAGING).get();
  if (stored === undefined) return [null, []];
  if (Array.isArray(stored[1])) return stored as Staging<S>;
  const legacy = ctx.mapState<S>(LEGACY_STAGED);
  const staged = legacy.entries().map(([name, entry]) => {
    legacy.delete(name);
    return entry;
  });
  const moved: Staging<S> = [(stored as LegacyStaging)[1], staged];
  ctx.state<Staging<S>>(STAGING).set(moved);
  return moved;
}

/** The fold time of an event with time `ts`: the next step of `interval` after it, and after the key's last fold. */
export function stageForFold<S extends Staged>(
  ctx: ProcessContext<unknown>,
  ts: number,
  interval: number,
  entry: (foldTime: number) => S,
  timerNamespace: string,
): void {
  const [last, staged] = readStaging<S>(ctx);
  let due = (Math.floor(ts / interval) + 1) * interval;
  if (last !== null && due <= last) due = last + interval;
  staged.push(entry(due));
  ctx.state<Staging<S>>(STAGING).set([last, staged]);
  ctx.timers.register(due, timerNamespace);
}

/** Removes and returns the entries due by `asOf`, in arrival order; the key's last fold stays as it was. */
export function takeDue<S extends Staged>(ctx: ProcessContext<unknown>, asOf: number): S[] {
  const [last, staged] = readStaging<S>(ctx);
  const due = staged.filter((s) => s[0] <= asOf);
  if (due.length > 0) ctx.state<Staging<S>>(STAGING).set([last, staged.filter((s) => s[0] > asOf)]);
  return due;
}

/** Records `asOf` as the key's last fold: events arriving later for an earlier time are staged after it. */
export function recordFold(ctx: ProcessContext<unknown>, asOf: number): void {
  const [, staged] = readStaging(ctx);
  ctx.state<Staging<Staged>>(STAGING).set([asOf, staged]);
}

/** The key's staged entries, in arrival order. */
export function stagedEntries<S extends Staged>(ctx: ProcessContext<unknown>): S[] {
  return readStaging<S>(ctx)[1];
}

/** Keeps the staged entries that `keep` accepts (given each entry and its place in arrival order); timers stay set. */
export function keepStaged<S extends Staged>(ctx: ProcessContext<unknown>, keep: (entry: S, position: number) => boolean): void {
  const [last, staged] = readStaging<S>(ctx);
  ctx.state<Staging<S>>(STAGING).set([last, staged.filter(keep)]);
}

/** takeDue, then recordFold. */
export function takeDueForFold<S extends Staged>(ctx: ProcessContext<unknown>, asOf: number): S[] {
  const due = takeDue<S>(ctx, asOf);
  recordFold(ctx, asOf);
  return due;
}
