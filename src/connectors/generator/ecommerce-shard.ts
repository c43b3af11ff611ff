/**
 * The record sequence of one e-commerce shard: the simulated events (shopping-simulation.ts) as delivered.
 * Delivery may hold an event back, never change it, so event times stay causal:
 * - disorder: each event is released once the shard's simulation has passed ts + d, d uniform on
 *   [0, outOfOrderness], and releases go out in (release, arrival) order; so an event's ts lags the largest ts
 *   delivered before it by at most outOfOrderness;
 * - late events (lateFraction of them): released at ts + lateBy + outOfOrderness + LATE_MARGIN, so they arrive after
 *   the events of the following LATE_MARGIN past ts + lateBy, i.e. more than lateBy behind the shard's largest ts;
 * - bad records (badFraction of all records): a malformed copy of the next event goes out just before it;
 * - faults (ecommerce-faults.ts): a good event may carry a data fault drawn by its offset; `lastFault` names it. A
 *   `duplicate` fault sends the event out twice in a row, the copy without any other fault.
 * Delivery draws from its own seeded stream, so the simulated events do not depend on these options, and offset n
 * of the shard is always the same record. `skip(n)` runs the same steps without building objects (seeking).
 */
import { EventMaterializer, type EcommerceEvent } from './ecommerce-events.js';
import type { ExperimentPlan } from './ecommerce-experiments.js';
import type { FaultKind, FaultPlan } from './ecommerce-faults.js';
import type { IdentityPlan } from './ecommerce-identity.js';
import type { TrueModel } from './ecommerce-model.js';
import type { EcommerceOptions } from './ecommerce-options.js';
import type { Undecodable } from '../connector.js';
import { MALFORMED_KINDS, malformedRecord } from './malformed-records.js';
import { hash32, SeededRandom } from '../../core/seeded-random.js';
import { ShoppingSimulation } from './shopping-simulation.js';
import type { SimulatedEvents } from './simulated-events.js';
import { SlotQueue } from './slot-queue.js';
import { TimingWheel } from './timing-wheel.js';

/** What a shard yields: an event, an event that breaks the contract, or an undecodable payload. */
export type ShardRecord = EcommerceEvent | Record<string, unknown> | Undecodable;

export type ShardOptions = Pick<
  EcommerceOptions,
  'seed' | 'partitions' | 'eventsPerSecondOfEventTime' | 'outOfOrderness' | 'lateFraction' | 'lateBy' | 'badFraction'
> & { startTime: number };

/** Extra hold of a late event, beyond lateBy and outOfOrderness, in ms: at least a second or 20 event steps. */
export function lateMargin(options: Pick<ShardOptions, 'partitions' | 'eventsPerSecondOfEventTime'>): number {
  return Math.max(1000, Math.ceil((20 * 1000 * options.partitions) / options.eventsPerSecondOfEventTime));
}

const NONE = -1;
/** Room in the disorder wheel beyond outOfOrderness and one step. */
const DISORDER_SLACK_MS = 65_536;

export class EcommerceShard {
  private readonly simulation: ShoppingSimulation;
  private readonly events: SimulatedEvents;
  private readonly materializer: EventMaterializer;
  private readonly random: SeededRandom;
  /** Events held back by disorder, by release time. */
  private readonly disordered: TimingWheel | null;
  /** Late events, in release order (their hold is the same for all). */
  private readonly late = new SlotQueue();
  private readonly delays: boolean;
  private readonly badChance: number;
  private readonly lateFraction: number;
  private readonly lateHold: number;
  private readonly disorder: number;
  /** The slot of the good event the next record is made of (NONE: not drawn yet). */
  private nextGood = NONE;
  /** The offset of the next record. */
  private offset = 0;
  /** The fault applied to the record next() returned last, if any. */
  lastFault: FaultKind | null = null;
  /** The event in nextGood went out with a `duplicate` fault: the next record is its exact copy. */
  private repeating = false;

  constructor(
    model: TrueModel,
    plan: ExperimentPlan,
    options: ShardOptions,
    private readonly shard: number,
    identity: IdentityPlan | null = null,
    private readonly faults: FaultPlan | null = null,
  ) {
    this.simulation = new ShoppingSimulation(model, plan, options, shard, identity);
    this.events = this.simulation.events;
    this.materializer = new EventMaterializer(plan, shard, identity);
    this.random = new SeededRandom(hash32(options.seed, 0xde1, shard));
    this.delays = options.outOfOrderness > 0 || options.lateFraction > 0;
    // A bad record precedes a good event with chance b; then bad records are b / (1 + b) = badFraction of all.
    this.badChance = options.badFraction / (1 - options.badFraction);
    this.lateFraction = options.lateFraction;
    this.disorder = options.outOfOrderness;
    this.lateHold = options.lateBy + options.outOfOrderness + lateMargin(options);
    // Consecutive simulated events are at most about a step apart; the slack covers bursts of the funnel.
    this.disordered = this.delays
      ? new TimingWheel(
          options.outOfOrderness + Math.ceil((1000 * options.partitions) / options.eventsPerSecondOfEventTime) + DISORDER_SLACK_MS,
          Math.floor(options.startTime),
        )
      : null;
  }

  next(): ShardRecord {
    const offset = this.offset++;
    const bad = this.repeating ? -1 : this.step();
    const event = this.materializer.event(this.events, this.nextGood);
    this.lastFault = null;
    if (bad >= 0) return malformedRecord(event, MALFORMED_KINDS[bad]!);
    if (this.repeating) {
      this.repeating = false;
      this.consume();
      return event;
    }
    this.lastFault = this.faults ? this.faults.apply(event, this.shard, offset) : null;
    if (this.lastFault === 'duplicate') this.repeating = true;
    else this.consume();
    return event;
  }

  /** Advances by n records without building them. */
  skip(n: number): void {
    for (let k = 0; k < n; k++) {
      const offset = this.offset++;
      if (this.repeating) {
        this.repeating = false;
        this.consume();
      } else if (this.step() < 0) {
        if (this.faults?.drawn(this.shard, offset) === 'duplicate') this.repeating = true;
        else this.consume();
      }
    }
  }

  /** Positions on the next record: -1 if it is the good event in nextGood, else the malformed kind to make of it. */
  private step(): number {
    if (this.nextGood !== NONE) return -1;
    this.nextGood = this.delays ? this.release() : this.simulation.next();
    if (this.badChance > 0 && this.random.next() < this.badChance) return this.random.int(MALFORMED_KINDS.length);
    return -1;
  }

  private consume(): void {
    this.events.release(this.nextGood);
    this.nextGood = NONE;
  }

  /**
   * The next event to release, simulating further until one is due: first the disordered ones due by the
   * simulation's time, then a due late one.
   */
  private release(): number {
    const r = this.random;
    const wheel = this.disordered!;
    for (;;) {
      const now = this.simulation.lastTs;
      const due = wheel.popUntil(now);
      if (due >= 0) return due;
      const late = this.late.peek();
      if (late >= 0 && this.events.ts[late]! + this.lateHold <= now) return this.late.shift();
      const slot = this.simulation.next();
      if (this.lateFraction > 0 && r.next() < this.lateFraction) this.late.push(slot);
      else wheel.push(this.events.ts[slot]! + (this.disorder > 0 ? r.int(this.disorder + 1) : 0), slot);
    }
  }
}
