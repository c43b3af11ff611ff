/**
 * How the feature step takes the records of the transfer step (merge-transfers.ts). Both are staged like events,
 * under the first snapshot time after their time, so that what a snapshot shows depends on event times alone, not
 * on when a record arrived against the watermark:
 * - a transfer's content is added at its snapshot, after the events due then, transfers in the order of their
 *   identity changes (so the sums come out the same in every run);
 * - a retirement, at its snapshot, deletes the id's features and snapshot and every entry staged before it (the
 *   retired id's events: the transfer step sends them on with the rest of its content), and remembers the change's
 *   number. Transfers reach an id from other keys' slots, so one may arrive after a later change retired the id:
 *   one from an earlier change than the retirement is dropped, since the retirement's own transfers carried that
 *   content on.
 */
import type { ProcessContext } from '../../api/types.js';
import { keepStaged, stageForFold, stagedEntries } from '../events/staged-folds.js';
import { RETIREMENT_ENTRY, STATE, TRANSFER_ENTRY, type StagedEntry, type StagedEvent, type StagedTransfer } from './entity-state.js';
import type { FeatureTransfer, Retirement } from './merge-records.js';

export function stageTransfer(t: FeatureTransfer, ctx: ProcessContext<unknown>, interval: number, timerNamespace: string): void {
  const retired = ctx.state<number>(STATE.retired).get();
  if (retired !== undefined && t.seq < retired) return;
  stageForFold<StagedEntry>(ctx, t.ts, interval, (due) => [due, TRANSFER_ENTRY, t.seq, t.content], timerNamespace);
}

export function stageRetirement(r: Retirement, ctx: ProcessContext<unknown>, interval: number, timerNamespace: string): void {
  stageForFold<StagedEntry>(ctx, r.ts, interval, (due) => [due, RETIREMENT_ENTRY, r.seq], timerNamespace);
}

/** Applies the retirements due by `asOf`, if any: the id's state goes, with the entries they make stale. */
export function applyDueRetirements(ctx: ProcessContext<unknown>, asOf: number): void {
  let last = -1;
  let seq = 0;
  stagedEntries<StagedEntry>(ctx).forEach((entry, position) => {
    if (entry[1] !== RETIREMENT_ENTRY || entry[0] > asOf) return;
    last = position;
    seq = Math.max(seq, entry[2]);
  });
  if (last < 0) return;
  for (const name of [STATE.aggregate, STATE.distinct, STATE.prices, STATE.features]) ctx.state(name).clear();
  keepStaged<StagedEntry>(ctx, (entry, position) => (entry[1] === TRANSFER_ENTRY ? entry[2] > seq : position > last));
  const retired = ctx.state<number>(STATE.retired);
  retired.set(Math.max(retired.get() ?? 0, seq));
}

/** Staged entries due at a snapshot: the events in arrival order, the transfers by change number. */
export function splitDue(due: readonly StagedEntry[]): { events: StagedEvent[]; transfers: StagedTransfer[] } {
  const events = due.filter((d): d is StagedEvent => d[1] >= 0);
  const transfers = due.filter((d): d is StagedTransfer => d[1] === TRANSFER_ENTRY).sort((a, b) => a[2] - b[2]);
  return { events, transfers };
}
