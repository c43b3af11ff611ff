/**
 * The transfer step in front of the user features when they follow identity merges. A feature step cannot send its
 * own state from one key to another (a dataflow has no loop), so this step keeps, per id, what its own events add up
 * to (value `own`, the features' content folded as each event arrives) and turns the identity step's merges into
 * transfers: on a `moved` record (merge-records.ts) an identifier that holds content sends all of it to `into`; the
 * one that named the retired component also sends a `retired` record, and a forgotten identifier drops its content.
 * Events pass through unchanged, to the feature step.
 *
 * An id keeps its content after sending it: when the component it went into merges again, every member moves, so
 * the content is sent again to the new id, which gets the whole history of every id merged into it however long the
 * chain. Content is folded by event time alone (buckets and sketch pairs out of every window as of the id's latest
 * event are dropped), so a replay of the same input sends the same content.
 */
import type { KeyedProcessor, ProcessContext } from '../../api/types.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { pruneBuckets } from './activity-windows.js';
import { advanceDecay } from './decayed-rate.js';
import type { EntitySpec } from './entity-spec.js';
import type { FeatureContent } from './entity-state.js';
import { emptyContent, foldEvents, stagedEvent } from './feature-content.js';
import type { ResolvedFeatureOptions } from './feature-options.js';
import type { FeatureTransfer, MovedMember, Retirement } from './merge-records.js';

const OWN = 'own';

type Output = BehaviourEvent | FeatureTransfer | Retirement;

export function featureTransfers(spec: EntitySpec, options: ResolvedFeatureOptions): KeyedProcessor<BehaviourEvent | MovedMember, Output> {
  function fold(e: BehaviourEvent, ctx: ProcessContext<Output>): void {
    const entry = stagedEvent(spec, e, e.ts);
    if (entry === null) return;
    const state = ctx.state<FeatureContent>(OWN);
    const own = state.get() ?? emptyContent(spec, options, e.ts);
    // The feature step folds a transfer at a snapshot after the id's latest event, so nothing out of a window as of
    // that event can count there.
    const keep = Math.max(own.aggregate.lastSeen ?? e.ts, e.ts);
    const { activity } = foldEvents(spec, options, [entry], own, keep);
    const decay = own.aggregate.decay;
    if (activity.length > 0) own.aggregate.decay = advanceDecay(decay, Math.max(decay.at, e.ts), activity, options.halfLives);
    options.windows.forEach((w, i) => pruneBuckets(own.aggregate.buckets[i]!, w, keep));
    state.set(own);
  }

  function move(m: MovedMember, ctx: ProcessContext<Output>): void {
    const state = ctx.state<FeatureContent>(OWN);
    const own = state.get();
    if (m.into !== null && own !== undefined) {
      // Folded by the feature step at its first snapshot after both the change and the latest event sent.
      const ts = Math.max(m.ts, own.aggregate.lastSeen ?? m.ts);
      ctx.emit({ kind: 'transfer', from: m.member, into: m.into, seq: m.seq, ts, content: own }, ts);
    }
    if (m.retires && m.into !== null) ctx.emit({ kind: 'retired', id: m.member, into: m.into, seq: m.seq, ts: m.ts }, m.ts);
    if (m.forget) state.clear();
  }

  return {
    onRecord(record, ctx) {
      if ((record as MovedMember).kind === 'moved') return move(record as MovedMember, ctx);
      fold(record as BehaviourEvent, ctx);
      ctx.emit(record as BehaviourEvent);
    },
  };
}
