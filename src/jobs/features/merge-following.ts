/**
 * How the feature step takes the records of the transfer step (merge-transfers.ts): a transfer is staged like an
 * event, under the first snapshot time after its time, and its content is added at that snapshot (after the events
 * due then, transfers in the order of their identity changes, so the sums come out the same in every run); a
 * retirement deletes the id's features, staged entries and snapshot, and remembers the change's number. Transfers
 * reach an id from other keys' slots, so one may arrive after a later change retired the id: one from an earlier
 * change than the retirement is dropped, since the retirement's own transfers already carried that content on.
 */
import type { ProcessContext } from '../../api/types.js';
import { clearStaging, stageForFold } from '../events/staged-folds.js';
import { STATE, TRANSFER_ENTRY, type StagedEntry, type StagedEvent, type StagedTransfer } from './entity-state.js';
import type { FeatureTransfer, Retirement } from './merge-records.js';

export function stageTransfer(t: FeatureTransfer, ctx: ProcessContext<unknown>, interval: number, timerNamespace: string): void {
  const retired = ctx.state<number>(STATE.retired).get();
  if (retired !== undefined && t.seq < retired) return;
  stageForFold<StagedEntry>(ctx, t.ts, interval, (due) => [due, TRANSFER_ENTRY, t.seq, t.content], timerNamespace);
}

export function retire(r: Retirement, ctx: ProcessContext<unknown>): void {
  for (const name of [STATE.aggregate, STATE.distinct, STATE.prices, STATE.features]) ctx.state(name).clear();
  clearStaging(ctx);
  const retired = ctx.state<number>(STATE.retired);
  retired.set(Math.max(retired.get() ?? 0, r.seq));
}

/** Staged entries due at a snapshot: the events in arrival order, the transfers by change number. */
export function splitDue(due: readonly StagedEntry[]): { events: StagedEvent[]; transfers: StagedTransfer[] } {
  const events = due.filter((d): d is StagedEvent => d[1] !== TRANSFER_ENTRY);
  const transfers = due.filter((d): d is StagedTransfer => d[1] === TRANSFER_ENTRY).sort((a, b) => a[2] - b[2]);
  return { events, transfers };
}
