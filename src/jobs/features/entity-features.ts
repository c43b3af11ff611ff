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
import { addToBuckets, addToTally, emptyTally, nextExpiry, pruneBuckets, windowStart } from './activity-windows.js';
import { advanceDecay, emptyDecay } from './decayed-rate.js';
import type { EntitySpec } from './entity-spec.js';
import { STATE, type EntityAggregate, type FeatureRecord, type StagedEvent } from './entity-state.js';
import type { ResolvedFeatureOptions } from './feature-options.js';
import { featuresAsOf } from './feature-snapshot.js';
import { emptyHll, hllAdd, type SlidingHll } from './hyperloglog.js';
import { addToDigest } from './seeded-tdigest.js';

const EMIT = 'emit';

/** Amount of a purchase line in integer cents: price x qty (qty defaults to 1, a missing price to 0). */
function lineCents(e: BehaviourEvent): number {
  return e.type === 'purchase' ? Math.round((e.price ?? 0) * (e.qty ?? 1) * 100) : 0;
}

export function entityFeatures(spec: EntitySpec, options: ResolvedFeatureOptions): KeyedProcessor<BehaviourEvent, FeatureRecord> {
  const E = options.emitInterval;
  const longest = options.windows.reduce((a, w) => (w.size > a.size ? w : a));

  function stage(e: BehaviourEvent, ctx: ProcessContext<FeatureRecord>): void {
    const typeIndex = spec.types.indexOf(e.type);
    if (typeIndex < 0) return;
    const price = spec.prices && e.price !== undefined ? e.price : null;
    const hashes = spec.distinct.map((d) => {
      const v = d.valueOf(e);
      return v === undefined ? null : murmur3(v);
    });
    stageForFold<StagedEvent>(ctx, e.ts, E, (due) => [due, typeIndex, e.ts, lineCents(e), price, ...hashes], EMIT);
  }

  /** Folds events into the aggregate and sketches as of `asOf`; returns their prices and activity times. */
  function fold(events: readonly StagedEvent[], aggregate: EntityAggregate, sketches: SlidingHll[], asOf: number): { prices: number[]; activity: number[] } {
    const horizon = windowStart(longest, asOf) / E;
    const prices: number[] = [];
    const activity: number[] = [];
    for (const [, typeIndex, ts, cents, price, ...hashes] of events) {
      addToTally(aggregate.lifetime, typeIndex, cents);
      aggregate.firstSeen = aggregate.firstSeen === null ? ts : Math.min(aggregate.firstSeen, ts);
      aggregate.lastSeen = aggregate.lastSeen === null ? ts : Math.max(aggregate.lastSeen, ts);
      options.windows.forEach((w, i) => addToBuckets(aggregate.buckets[i]!, w, asOf, ts, typeIndex, cents, spec.types.length));
      hashes.forEach((h, i) => h !== null && hllAdd(sketches[i]!, options.distinctPrecision, h, Math.floor(ts / E), horizon));
      if (price !== null) prices.push(price);
      if (spec.types[typeIndex] !== 'exposure') activity.push(ts);
    }
    return { prices, activity };
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
    const due = takeDue<StagedEvent>(ctx, asOf);
    const aggregateState = ctx.state<EntityAggregate>(STATE.aggregate);
    const aggregate = aggregateState.get() ?? {
      lifetime: emptyTally(spec.types.length),
      firstSeen: null,
      lastSeen: null,
      buckets: options.windows.map(() => []),
      decay: emptyDecay(asOf),
    };
    const distinctState = ctx.state<SlidingHll[]>(STATE.distinct);
    const sketches = distinctState.get() ?? spec.distinct.map(emptyHll);
    const { prices, activity } = fold(due, aggregate, sketches, asOf);
    const expired = options.windows.reduce((n, w, i) => n + pruneBuckets(aggregate.buckets[i]!, w, asOf), 0);
    if (due.length === 0 && expired === 0) return;
    aggregate.decay = advanceDecay(aggregate.decay, asOf, activity, options.halfLives);
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
    onRecord: stage,
    onTimer: (timer: FiredTimer, ctx: ProcessContext<FeatureRecord>) => snapshot(timer.time, ctx),
  };
}
