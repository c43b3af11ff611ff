/**
 * One shard's shoppers, simulated in event-time order. The shard owns users u with u % partitions == shard. Each
 * step advances the shard's clock by 1000 * partitions / eventsPerSecondOfEventTime ms and yields one event: the
 * earliest scheduled one if it is due, else the start of a new session (a uniform user of the shard, a device, a
 * browsed category), which yields the user's exposures first if this is the user's first session. When a view
 * comes out, the true click model decides whether a click follows (and the session's next view is scheduled);
 * when a click comes out, whether an add-to-cart follows; when a cart comes out, whether a purchase follows.
 * So labels are causal: a click follows its view by 1-30 s, a cart its click, a purchase its cart.
 * All randomness comes from one seeded stream, so the n-th event of a shard is always the same.
 */
import type { ExperimentPlan } from './ecommerce-experiments.js';
import { CLICK_MODEL, FUNNEL_TIMING, QUANTITY_MAX, type TrueModel } from './ecommerce-model.js';
import type { IdentityPlan } from './ecommerce-identity.js';
import { DEVICES, SESSION_FAVOURITE, VIEW_IN_CATEGORY, type EcommerceWorld } from './ecommerce-world.js';
import { hash32, SeededRandom } from '../../core/seeded-random.js';
import { EventKind, SimulatedEvents } from './simulated-events.js';
import { TimingWheel } from './timing-wheel.js';

/** Share of sessions on the user's usual device. */
export const USUAL_DEVICE_SHARE = 0.8;

export interface SimulationOptions {
  seed: number;
  partitions: number;
  eventsPerSecondOfEventTime: number;
  startTime: number;
}

const t = FUNNEL_TIMING;
const HORIZON = Math.max(t.clickAfterView.max, t.cartAfterClick.max, t.purchaseAfterCart.max, t.nextViewAfterView.max);

export class ShoppingSimulation {
  /** The events scheduled or handed out; whoever takes a slot from next() releases it when done with it. */
  readonly events = new SimulatedEvents();
  /** The ts of the last event handed out (events come out in ts order). */
  lastTs = -Infinity;
  private readonly random: SeededRandom;
  private readonly scheduled: TimingWheel;
  private readonly step: number;
  private readonly usersInShard: number;
  private readonly seen: Uint8Array;
  private readonly world: EcommerceWorld;
  private readonly experiments: number;
  private readonly partitions: number;
  /** With identities: per local user and device slot, 1 once the person has had a session on that device. */
  private readonly devicesUsed: Uint8Array;
  private clock: number;
  private sessions = 0;

  constructor(
    private readonly model: TrueModel,
    private readonly plan: ExperimentPlan,
    options: SimulationOptions,
    private readonly shard: number,
    private readonly identity: IdentityPlan | null = null,
  ) {
    this.world = model.world;
    this.experiments = plan.assignments.length;
    this.partitions = options.partitions;
    this.random = new SeededRandom(hash32(options.seed, 0x5e55, shard));
    this.step = (1000 * options.partitions) / options.eventsPerSecondOfEventTime;
    this.usersInShard = Math.ceil((this.world.users - shard) / options.partitions);
    this.seen = new Uint8Array(this.usersInShard);
    this.devicesUsed = new Uint8Array(identity ? this.usersInShard * identity.options.maxDevices : 0);
    this.clock = options.startTime - this.step;
    this.scheduled = new TimingWheel(HORIZON, Math.floor(options.startTime));
  }

  /** The slot of the next event. */
  next(): number {
    this.clock += this.step;
    const now = Math.floor(this.clock);
    let slot = this.scheduled.popUntil(now);
    if (slot < 0) {
      this.startSession(now);
      slot = this.scheduled.popUntil(now);
    }
    this.lastTs = this.events.ts[slot]!;
    this.follow(slot);
    return slot;
  }

  private delay(range: { min: number; max: number }): number {
    return range.min + Math.floor(this.random.next() * (range.max - range.min));
  }

  private startSession(ts: number): void {
    const r = this.random;
    const local = r.int(this.usersInShard);
    const user = this.shard + this.partitions * local;
    const w = this.world;
    const device = r.next() < USUAL_DEVICE_SHARE ? w.device[user]! : r.int(DEVICES.length);
    const category = r.next() < SESSION_FAVOURITE ? w.favourite[user]! : r.int(w.categories);
    const session = this.sessions++;
    const identity = this.sessionIdentity(user, local, session);
    const add = (kind: EventKind, subject: number): void => {
      const slot = this.events.add(ts, kind, user, subject, 0, session, device, category);
      if (identity) this.events.setIdentity(slot, identity.slot, identity.login);
      this.scheduled.push(ts, slot);
    };
    if (this.seen[local] === 0) {
      this.seen[local] = 1;
      for (let e = 0; e < this.experiments; e++) add(EventKind.Exposure, e);
    }
    add(EventKind.View, this.pickItem(category));
  }

  /** The device and login of a new session, with identities on; marks the device used. */
  private sessionIdentity(user: number, local: number, session: number): { slot: number; login: boolean } | null {
    const plan = this.identity;
    if (!plan) return null;
    const base = local * plan.options.maxDevices;
    const chosen = plan.session(user, this.shard, session, (slot) => this.devicesUsed[base + slot] === 0);
    if (chosen.slot >= 0) this.devicesUsed[base + chosen.slot] = 1;
    return chosen;
  }

  /** An item of the session's category with probability VIEW_IN_CATEGORY (if it has any), else any item. */
  private pickItem(category: number): number {
    const w = this.world;
    const inCategory = w.itemsIn(category);
    if (this.random.next() < VIEW_IN_CATEGORY && inCategory > 0) return w.categoryItems[w.categoryStart[category]! + this.random.int(inCategory)]!;
    return this.random.int(w.items);
  }

  private schedule(from: number, ts: number, kind: EventKind, item: number, qty: number): void {
    this.scheduled.push(ts, this.events.follow(from, ts, kind, item, qty));
  }

  private follow(slot: number): void {
    const r = this.random;
    const m = this.model;
    const ev = this.events;
    const user = ev.user[slot]!;
    const item = ev.subject[slot]!;
    const ts = ev.ts[slot]!;
    switch (ev.kind[slot]) {
      case EventKind.View: {
        const favourite = this.world.itemCategory[item] === this.world.favourite[user] ? CLICK_MODEL.favouriteCategory : 0;
        const logit = m.itemClickLogit[item]! + m.userClickLogit[user]! + favourite + this.plan.clickShift[user]!;
        // u < sigmoid(logit), without the division.
        if (r.next() * (1 + Math.exp(-logit)) < 1) this.schedule(slot, ts + this.delay(t.clickAfterView), EventKind.Click, item, 0);
        if (r.next() < t.sessionContinue) this.schedule(slot, ts + this.delay(t.nextViewAfterView), EventKind.View, this.pickItem(ev.category[slot]!), 0);
        return;
      }
      case EventKind.Click:
        if (r.next() < m.itemCartProbability[this.world.highValue[user]!]![item]!)
          this.schedule(slot, ts + this.delay(t.cartAfterClick), EventKind.Cart, item, 1 + r.int(QUANTITY_MAX));
        return;
      case EventKind.Cart: {
        const logit = m.itemPurchaseLogit[item]! + m.userPurchaseLogit[user]! + this.plan.conversionShift[user]!;
        if (r.next() * (1 + Math.exp(-logit)) < 1) this.schedule(slot, ts + this.delay(t.purchaseAfterCart), EventKind.Purchase, item, ev.qty[slot]!);
        return;
      }
      default:
        return;
    }
  }
}
