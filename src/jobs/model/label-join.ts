/**
 * The label step, keyed by user: joins each view with the same user's later clicks, carts and purchases of the same
 * item, and each observed activity with the user's later purchases, by event-time timers.
 *
 * Contract (docs/model.md):
 * - a view at t is positive when a click, cart or purchase of the same item by the same user has a ts in [t, t + W]
 *   (W = labelWindow), whichever order they arrive in; it is labelled when the watermark passes t + W + L
 *   (L = allowedLateness; label times are rounded up to `timerResolution`), so responses up to L behind the
 *   watermark still count;
 * - a view arriving after its label time has passed is not labelled: it goes to the `late` side output with the
 *   reason; a response arriving more than L behind the watermark still labels the views not yet final, and a copy
 *   goes to `late` (views it belonged to may already be final);
 * - churn: at most one observation per user per `churnObservationEvery`; an observation at t is labelled 1 (churned)
 *   when no purchase of the user has a ts in (t, t + H] (H = churnHorizon), when the watermark passes t + H + L;
 * - features are point in time: the user's feature-store snapshot as of the view (or observation), never later.
 * Every labelled example carries `<userId>#<sequence>` as id. Views also feed the user's recent items and, within a
 * session, co-visit pairs (side output `covisits`) for recommendation candidates.
 */
import type { FiredTimer, KeyedProcessor, MapState, ProcessContext } from '../../api/types.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import type { FeatureRecord } from '../features/entity-state.js';
import { churnFeatures, clickFeatures } from './example-features.js';
import { LABEL_STATE, type PendingLabel, type UserLabelState } from './label-state.js';
import type { LabelOptions } from './label-options.js';
import { timeKey, type TrainingExample } from './training-example.js';
import { isUserFeatureRecord, profileOf, type UserProfile } from './user-profile.js';

const DUE = 'due';
export const LATE_PORT = 'late';
export const COVISIT_PORT = 'covisits';

export interface CovisitPair {
  itemId: string;
  other: string;
  ts: number;
}

type Ctx = ProcessContext<TrainingExample>;

const seqKey = (seq: number) => seq.toString(36).padStart(10, '0');

export function labelJoin(options: LabelOptions): KeyedProcessor<BehaviourEvent | FeatureRecord, TrainingExample> {
  const { labelWindow: W, allowedLateness: L, churnHorizon: H } = options;

  function addPending(ctx: Ctx, at: number, label: PendingLabel): void {
    const due = Math.ceil(at / options.timerResolution) * options.timerResolution;
    ctx.mapState<PendingLabel>(LABEL_STATE.pending).set(`${timeKey(due)}/${seqKey(label.seq)}`, label);
    ctx.timers.register(due, DUE);
  }

  function late(ctx: Ctx, e: BehaviourEvent, reason: string): void {
    ctx.sideOutput(LATE_PORT, { reason, event: e });
  }

  function onView(e: BehaviourEvent, user: UserLabelState, ctx: Ctx): void {
    if (e.ts + W + L < ctx.watermark) {
      late(ctx, e, `view at ${e.ts} arrived after its label time ${e.ts + W + L} (watermark ${ctx.watermark}): not labelled`);
      return;
    }
    const item = { itemId: e.itemId!, category: e.category ?? null, price: e.price ?? null };
    addPending(ctx, e.ts + W + L, { kind: 'view', seq: user.nextSeq++, ts: e.ts, item, device: e.device ?? null });
  }

  function onResponse(e: BehaviourEvent, ctx: Ctx): void {
    const clicks = ctx.mapState<number[]>(LABEL_STATE.clicks);
    clicks.set(e.itemId!, [...(clicks.get(e.itemId!) ?? []), e.ts]);
    if (e.type === 'purchase') {
      const purchases = ctx.state<number[]>(LABEL_STATE.purchases);
      purchases.set([...(purchases.get() ?? []), e.ts].sort((a, b) => a - b));
    }
    if (e.ts + L < ctx.watermark)
      late(ctx, e, `${e.type} at ${e.ts} arrived more than ${L} ms behind the watermark ${ctx.watermark}: views it answers may already be labelled`);
  }

  function observeActivity(e: BehaviourEvent, user: UserLabelState, ctx: Ctx): void {
    if (user.lastObservation !== null && e.ts < user.lastObservation + options.churnObservationEvery) return;
    user.lastObservation = e.ts;
    addPending(ctx, e.ts, { kind: 'observe', seq: user.nextSeq++, ts: e.ts, device: e.device ?? null });
  }

  function trackItems(e: BehaviourEvent, user: UserLabelState, ctx: Ctx): void {
    const itemId = e.itemId!;
    user.recentItems = [itemId, ...user.recentItems.filter((i) => i !== itemId)].slice(0, options.recentItems);
    if (e.type !== 'view' || e.sessionId === undefined || options.sessionPairs === 0) return;
    if (user.session?.id !== e.sessionId) {
      user.session = { id: e.sessionId, items: [itemId] };
      return;
    }
    for (const other of user.session.items) {
      if (other === itemId) continue;
      ctx.sideOutput(COVISIT_PORT, { itemId: other, other: itemId, ts: e.ts } satisfies CovisitPair);
      ctx.sideOutput(COVISIT_PORT, { itemId, other, ts: e.ts } satisfies CovisitPair);
    }
    user.session.items = [itemId, ...user.session.items.filter((i) => i !== itemId)].slice(0, options.sessionPairs);
  }

  /** The latest snapshot with asOf <= t: features as they were at t. */
  function profileAsOf(profiles: Array<[string, UserProfile]>, t: number): UserProfile | null {
    let found: UserProfile | null = null;
    for (const [, p] of profiles) {
      if (p.asOf > t) break;
      found = p;
    }
    return found;
  }

  function label(p: PendingLabel, ctx: Ctx, profiles: Array<[string, UserProfile]>, T: number): void {
    const id = `${ctx.key}#${p.seq}`;
    const purchases = ctx.state<number[]>(LABEL_STATE.purchases).get() ?? [];
    if (p.kind === 'view') {
      const times = ctx.mapState<number[]>(LABEL_STATE.clicks).get(p.item.itemId) ?? [];
      const positive = times.some((c) => c >= p.ts && c <= p.ts + W);
      const features = clickFeatures(ctx.key, p.item, p.device, profileAsOf(profiles, p.ts));
      ctx.emit({ model: 'click', id, ts: p.ts, features, label: positive ? 1 : 0, userId: ctx.key, ...p.item }, T);
    } else if (p.kind === 'observe') {
      const boughtRecently = purchases.some((b) => b <= p.ts && b > p.ts - H);
      addPending(ctx, p.ts + H + L, { kind: 'churn', seq: p.seq, ts: p.ts, features: churnFeatures(profileAsOf(profiles, p.ts), p.device, boughtRecently) });
    } else {
      const bought = purchases.some((b) => b > p.ts && b <= p.ts + H);
      ctx.emit({ model: 'churn', id, ts: p.ts, features: p.features, label: bought ? 0 : 1, userId: ctx.key }, T);
    }
  }

  /** Drops history no pending label can need any more (see the cut-offs in the comments). */
  function prune(ctx: Ctx, profilesMap: MapState<UserProfile>, profiles: Array<[string, UserProfile]>, T: number): void {
    // Pending views have t > T - W - L, so they need responses at or after that.
    const clicks = ctx.mapState<number[]>(LABEL_STATE.clicks);
    for (const [itemId, times] of clicks.entries()) {
      const kept = times.filter((c) => c >= T - W - L);
      if (kept.length === 0) clicks.delete(itemId);
      else if (kept.length < times.length) clicks.set(itemId, kept);
    }
    // Pending churn labels have t > T - H - L and read purchases after t; observations read the H before them.
    const purchases = ctx.state<number[]>(LABEL_STATE.purchases);
    const held = purchases.get() ?? [];
    const keptPurchases = held.filter((b) => b > T - H - L);
    if (keptPurchases.length < held.length) purchases.set(keptPurchases);
    // Views still pending are at t > T - W - L: the latest snapshot at or before that, and every later one, stay.
    const cutoff = T - W - L;
    let keepFrom = 0;
    profiles.forEach(([, p], i) => {
      if (p.asOf <= cutoff) keepFrom = i;
    });
    for (const [name] of profiles.slice(0, keepFrom)) profilesMap.delete(name);
  }

  function onTimer(timer: FiredTimer, ctx: Ctx): void {
    const T = timer.time;
    const pending = ctx.mapState<PendingLabel>(LABEL_STATE.pending);
    const profilesMap = ctx.mapState<UserProfile>(LABEL_STATE.profiles);
    const profiles = profilesMap.entries();
    const horizon = timeKey(T);
    for (const [name, p] of pending.entries()) {
      if (name.slice(0, 16) > horizon) break;
      pending.delete(name);
      label(p, ctx, profiles, T);
    }
    prune(ctx, profilesMap, profiles, T);
  }

  function onRecord(value: BehaviourEvent | FeatureRecord, ctx: Ctx): void {
    if (isUserFeatureRecord(value)) {
      ctx.mapState<UserProfile>(LABEL_STATE.profiles).set(timeKey(value.asOf), profileOf(value));
      return;
    }
    const e = value as BehaviourEvent;
    if (e.type === 'exposure' || e.itemId === undefined) return;
    const userState = ctx.state<UserLabelState>(LABEL_STATE.user);
    const user = userState.get() ?? { nextSeq: 0, lastObservation: null, recentItems: [], session: null };
    if (e.type === 'view') onView(e, user, ctx);
    else onResponse(e, ctx);
    observeActivity(e, user, ctx);
    trackItems(e, user, ctx);
    userState.set(user);
  }

  return { onRecord, onTimer };
}
