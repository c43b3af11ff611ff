/**
 * The keyed process function behind the user and item features. An event is only staged when it arrives
 * (../events/staged-folds.ts) under its snapshot time: the first multiple of the emit interval E after its ts. An event-time timer at
 * that time folds every staged event due by then into the aggregate state, sketches and digest, stores the new
 * feature record (read by the query routes) and emits it: at most one change per key per emit interval, and a
 * snapshot as of T describes exactly the events with ts < T, whatever the batching and watermark progress were.
 *
 * Events arriving after their key's last snapshot time are staged for the next one (last + E). After a snapshot, a
 * timer is set for the refresh step (see feature-options.ts) at or after the time the oldest bucket leaves its
 * window, so a key that falls silent still sees its windows drain; once the input has ended (watermark +infinity) no
 * such refreshes are scheduled.
 */
import type { FiredTimer, KeyedProcessor, ProcessContext } from '../../api/types.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { murmur3 } from '../../core/murmur3.js';
import { recordFold, stageForFold, takeDue } from '../events/staged-folds.js';
import { nextExpiry, pruneBuckets } from './activity-windows.js';
import { advanceDecay } from './decayed-rate.js';
import type { EntitySpec } from './entity-spec.js';
import { STATE, type EntityAggregate, type FeatureRecord, type StagedEntry } from './entity-state.js';
import { addContent, emptyContent, foldEvents, stagedEvent } from './feature-content.js';
import type { ResolvedFeatureOptions } from './feature-options.js';
import { featuresAsOf } from './feature-snapshot.js';
import type { SlidingHll } from './hyperloglog.js';
import { isRetirement, isTransfer, type FeatureTransfer, type Retirement } from './merge-records.js';
import { applyDueRetirements, splitDue, stageRetirement, stageTransfer } from './merge-following.js';
import { addToDigest } from './seeded-tdigest.js';

const EMIT = 'emit';

export function entityFeatures(
  spec: EntitySpec,
  options: ResolvedFeatureOptions,
): KeyedProcessor<BehaviourEvent | FeatureTransfer | Retirement, FeatureRecord> {
  const E = options.emitInterval;

  function stage(e: BehaviourEvent, ctx: ProcessContext<FeatureRecord>): void {
    if (spec.types.indexOf(e.type) < 0) return;
    stageForFold<StagedEntry>(ctx, e.ts, E, (due) => stagedEvent(spec, e, due)!, EMIT);
  }

  /** The next refresh: the refresh step at or after the time the oldest bucket of some window leaves it. */
  function nextRefresh(aggregate: EntityAggregate): number | null {
    const times = options.windows.flatMap((w, i) => {
      const expiry = nextExpiry(aggregate.buckets[i]!, w, E);
      return expiry === null ? [] : [Math.ceil(expiry / w.refresh) * w.refresh];
    });
    return times.length === 0 ? null : Math.min(...times);
  }

  function snapshot(asOf: number, ctx: ProcessContext<FeatureRecord>): void {
    applyDueRetirements(ctx, asOf);
    const due = takeDue<StagedEntry>(ctx, asOf);
    const { events, transfers } = splitDue(due);
    const aggregateState = ctx.state<EntityAggregate>(STATE.aggregate);
    const distinctState = ctx.state<SlidingHll[]>(STATE.distinct);
    const empty = emptyContent(spec, options, asOf);
    const content = { aggregate: aggregateState.get() ?? empty.aggregate, sketches: distinctState.get() ?? empty.sketches };
    const { aggregate, sketches } = content;
    const { prices, activity } = foldEvents(spec, options, events, content, asOf);
    const expired = options.windows.reduce((n, w, i) => n + pruneBuckets(aggregate.buckets[i]!, w, asOf), 0);
    if (due.length === 0 && expired === 0) return;
    aggregate.decay = advanceDecay(aggregate.decay, asOf, activity, options.halfLives);
    for (const [, , , other] of transfers) addContent(spec, options, content, other, asOf);
    aggregateState.set(aggregate);
    if (due.length > 0) distinctState.set(sketches);
    const priceState = ctx.state<number[]>(STATE.prices);
    let digest = spec.prices ? (priceState.get() ?? []) : [];
    if (prices.length > 0) {
      digest = addToDigest(digest, prices, options.priceCompression, murmur3(ctx.key));
      priceState.set(digest);
    }
    recordFold(ctx, asOf);
    const record: FeatureRecord = {
      entity: spec.entity,
      id: ctx.key,
      asOf,
      features: featuresAsOf(spec, options, { aggregate, sketches, prices: digest }, asOf),
    };
    ctx.state<FeatureRecord>(STATE.features).set(record);
    ctx.emit(record, asOf);
    const refresh = nextRefresh(aggregate);
    if (refresh !== null && ctx.watermark !== Infinity) ctx.timers.register(refresh, EMIT);
  }

  return {
    onRecord(record, ctx) {
      if (isTransfer(record)) stageTransfer(record, ctx, E, EMIT);
      else if (isRetirement(record)) stageRetirement(record, ctx, E, EMIT);
      else stage(record, ctx);
    },
    onTimer: (timer: FiredTimer, ctx: ProcessContext<FeatureRecord>) => snapshot(timer.time, ctx),
  };
}
