/**
 * The e-commerce events as the stream carries them and how a simulated event becomes one.
 * Item events carry the item's category and price (for a purchase: the price paid, after the revenue effect of the
 * user's variants); an exposure carries the experiment, the variant, whether the user uses it, and the user's
 * pre-exposure covariates. With identities on (ecommerce-identity.ts), every event also carries the identifiers
 * of its session (device, cookie; account when logged in; phone on a logged-in cart or purchase), and its userId is
 * what a shop without identity resolution would key by: the account id when logged in, else the cookie id.
 */
import type { ExperimentPlan } from './ecommerce-experiments.js';
import type { EventIdentifiers, IdentityPlan } from './ecommerce-identity.js';
import { DEVICES, type EcommerceWorld } from './ecommerce-world.js';
import { EventKind, type SimulatedEvents } from './simulated-events.js';

export interface ExposureEvent extends Partial<EventIdentifiers> {
  type: 'exposure';
  userId: string;
  ts: number;
  sessionId: string;
  device: string;
  experiment: { id: string; variant: string; randomized: boolean; used: boolean };
  covariates: { highValue: boolean; engagement: number; tenureDays: number; pastSpend: number; preClicks: number };
}

export interface ItemEvent extends Partial<EventIdentifiers> {
  type: 'view' | 'click' | 'cart' | 'purchase';
  userId: string;
  itemId: string;
  category: number;
  /** Unit price: the list price, or for a purchase the price paid. */
  price: number;
  /** Units, on cart and purchase events. */
  qty?: number;
  ts: number;
  sessionId: string;
  device: string;
}

export type EcommerceEvent = ExposureEvent | ItemEvent;

/** The type of an item event by its EventKind (index 0, the exposure, has none). */
const ITEM_TYPES = [null, 'view', 'click', 'cart', 'purchase'] as const;
/** Session ids kept built, by session number modulo this power of two (a session lasts minutes at most). */
const SESSION_ID_CACHE = 1 << 16;

/** Builds the events of one shard from their simulated slots. */
export class EventMaterializer {
  private readonly world: EcommerceWorld;
  private readonly sessionIds: string[] = new Array<string>(SESSION_ID_CACHE).fill('');
  private readonly sessionNumbers = new Float64Array(SESSION_ID_CACHE).fill(-1);

  constructor(
    private readonly plan: ExperimentPlan,
    private readonly shard: number,
    private readonly identity: IdentityPlan | null = null,
  ) {
    this.world = plan.world;
  }

  event(events: SimulatedEvents, slot: number): EcommerceEvent {
    const event = this.plainEvent(events, slot);
    if (!this.identity) return event;
    const kind = events.kind[slot]!;
    const ids = this.identity.identifiers(
      events.user[slot]!,
      events.deviceSlot[slot]!,
      events.login[slot] === 1,
      event.ts,
      kind === EventKind.Cart || kind === EventKind.Purchase,
    );
    return Object.assign(event, ids, { userId: ids.accountId ?? ids.cookieId ?? ids.deviceId });
  }

  private plainEvent(events: SimulatedEvents, slot: number): EcommerceEvent {
    const w = this.world;
    const user = events.user[slot]!;
    const userId = w.userId(user);
    const sessionId = this.sessionId(events.session[slot]!);
    const device = DEVICES[events.device[slot]!]!;
    const ts = events.ts[slot]!;
    const kind = events.kind[slot]! as EventKind;
    const subject = events.subject[slot]!;
    if (kind === EventKind.Exposure) return this.exposure(user, subject, userId, ts, sessionId, device);
    const type = ITEM_TYPES[kind]!;
    const itemId = w.itemId(subject);
    const category = w.itemCategory[subject]!;
    const listPrice = w.itemPrice[subject]!;
    if (kind === EventKind.View || kind === EventKind.Click) return { type, userId, itemId, category, price: listPrice, ts, sessionId, device };
    const price = kind === EventKind.Purchase ? Math.round(listPrice * this.plan.revenueMultiplier[user]! * 100) / 100 : listPrice;
    return { type, userId, itemId, category, price, qty: events.qty[slot]!, ts, sessionId, device };
  }

  private sessionId(n: number): string {
    const k = n & (SESSION_ID_CACHE - 1);
    if (this.sessionNumbers[k] !== n) {
      this.sessionNumbers[k] = n;
      this.sessionIds[k] = `s${this.shard}-${n}`;
    }
    return this.sessionIds[k]!;
  }

  private exposure(u: number, e: number, userId: string, ts: number, sessionId: string, device: string): ExposureEvent {
    const a = this.plan.assignments[e]!;
    const w = this.world;
    return {
      type: 'exposure',
      userId,
      ts,
      sessionId,
      device,
      experiment: { id: a.option.id, variant: a.option.variants[a.variant[u]!]!.name, randomized: a.option.randomized, used: this.plan.used(e, u) },
      covariates: {
        highValue: w.highValue[u] === 1,
        engagement: w.engagement[u]!,
        tenureDays: w.tenureDays[u]!,
        pastSpend: w.pastSpend[u]!,
        preClicks: w.preClicks[u]!,
      },
    };
  }
}
