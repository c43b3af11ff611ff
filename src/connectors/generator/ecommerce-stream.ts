/**
 * One shard of the synthetic e-commerce stream: users of the shard (userId % partitions) start sessions of views;
 * a view may be followed by a click (1-30 s later, with the true click probability), a click by an add-to-cart,
 * a cart by a purchase; a user's first session starts with one exposure per experiment. Events come out in time
 * order, then optionally jittered (bounded out-of-orderness), made late, or made malformed, all decided by the seeded
 * random stream, so offset n of a shard is always the same event.
 */
import type { EcommerceTruth } from './ecommerce-truth.js';
import { EventHeap } from './event-heap.js';
import { mulberry32 } from './random.js';

export interface ShardOptions {
  seed: number;
  users: number;
  items: number;
  partitions: number;
  eventsPerSecondOfEventTime: number;
  startTime: number;
  outOfOrderness: number;
  lateFraction: number;
  lateBy: number;
  badFraction: number;
}

export type EcommerceEvent = Record<string, unknown>;

/** A generated record: an event, or a malformed payload that a source decodes into an error record. */
export type GeneratedRecord = { event: EcommerceEvent } | { malformed: string };

const DEVICES = ['web', 'ios', 'android'];

export class EcommerceShard {
  private readonly rand: () => number;
  private readonly heap = new EventHeap<EcommerceEvent>();
  private readonly seenUsers = new Set<number>();
  private clock: number;
  private seq = 0;
  private sessions = 0;
  private readonly step: number;
  private readonly usersInShard: number;

  constructor(
    private readonly o: ShardOptions,
    private readonly truth: EcommerceTruth,
    private readonly shard: number,
  ) {
    this.rand = mulberry32((o.seed * 7919 + shard * 104729) >>> 0);
    this.clock = o.startTime;
    this.step = (1000 * o.partitions) / o.eventsPerSecondOfEventTime;
    this.usersInShard = Math.max(1, Math.floor((o.users - shard + o.partitions - 1) / o.partitions));
  }

  next(): GeneratedRecord {
    // Every event advances the shard's clock by one step, so event time runs at exactly eventsPerSecondOfEventTime.
    this.clock += this.step;
    const due = this.heap.peek();
    if (!due || due.time > this.clock) this.startView();
    return this.perturb(this.heap.pop()!.event);
  }

  private schedule(time: number, event: EcommerceEvent): void {
    this.heap.push({ time, seq: this.seq++, event });
  }

  /** Schedules a view at the current time (after the user's exposures, on a first visit) and what follows it. */
  private startView(): void {
    const r = this.rand;
    const u = this.shard + this.o.partitions * Math.floor(r() * this.usersInShard);
    const userId = `u${u}`;
    const ts = Math.floor(this.clock);
    const user = this.truth.user(u);
    const sessionId = `s${this.shard}-${this.sessions++}`;
    const device = DEVICES[Math.floor(r() * DEVICES.length)]!;
    if (!this.seenUsers.has(u)) {
      this.seenUsers.add(u);
      this.truth.options.experiments.forEach((exp, e) => {
        const a = this.truth.assignment(u, e);
        this.schedule(ts, {
          type: 'exposure', userId, ts, sessionId, device,
          experiment: { id: exp.id, variant: exp.variants[a.variant]!.name, randomized: exp.randomized, used: a.used },
          covariates: { tenureDays: user.tenureDays, pastSpend: user.pastSpend, highValue: user.highValue },
        });
      });
    }
    const i = this.pickItem(user.favouriteCategory);
    const item = this.truth.item(i);
    const itemId = `i${i}`;
    const base = { userId, itemId, category: item.category, price: item.price, sessionId, device };
    this.schedule(ts, { type: 'view', ...base, ts });
    const shifts = this.truth.shifts(u);
    if (r() < this.truth.clickProbability(u, i, shifts.click)) {
      const clickAt = ts + 1000 + Math.floor(r() * 29_000);
      this.schedule(clickAt, { type: 'click', ...base, ts: clickAt });
      if (r() < this.truth.cartProbability(u, i)) {
        const cartAt = clickAt + 5000 + Math.floor(r() * 55_000);
        const qty = 1 + Math.floor(r() * 3);
        this.schedule(cartAt, { type: 'cart', ...base, qty, ts: cartAt });
        if (r() < this.truth.purchaseProbability(shifts.conversion)) {
          const buyAt = cartAt + 10_000 + Math.floor(r() * 110_000);
          this.schedule(buyAt, { type: 'purchase', ...base, qty, ts: buyAt });
        }
      }
    }
  }

  /** Items of the user's favourite category half of the time (category c holds items i with i % C == c by hash). */
  private pickItem(favourite: number): number {
    const r = this.rand;
    for (let tries = 0; tries < 8 && r() < 0.5; tries++) {
      const i = Math.floor(r() * this.o.items);
      if (this.truth.item(i).category === favourite) return i;
    }
    return Math.floor(r() * this.o.items);
  }

  private perturb(event: EcommerceEvent): GeneratedRecord {
    const r = this.rand;
    const x = r();
    if (x < this.o.badFraction) return this.malformed(event, r());
    const jitter = this.o.outOfOrderness > 0 ? Math.floor(r() * this.o.outOfOrderness) : 0;
    const late = r() < this.o.lateFraction ? this.o.lateBy : 0;
    return { event: jitter || late ? { ...event, ts: (event.ts as number) - jitter - late } : event };
  }

  private malformed(event: EcommerceEvent, kind: number): GeneratedRecord {
    if (kind < 0.25) return { malformed: `{"type":"view","userId":"${String(event.userId)}",` };
    if (kind < 0.5) {
      const { userId: _dropped, ...withoutUser } = event;
      return { event: withoutUser };
    }
    if (kind < 0.75) return { event: { ...event, ts: String(event.ts) } };
    return { event: { ...event, type: 'teleport' } };
  }
}
