/**
 * An aggregator of user or item activity in a window: counts per event type, GMV (price x qty of purchases), and
 * the rates derived from them (CTR = clicks / views, cart and purchase rates per view, average order value).
 */
import type { Aggregator } from '../../api/types.js';
import type { BehaviourEvent } from '../events/parse-event.js';

export interface ActivityCounts {
  view: number;
  click: number;
  cart: number;
  purchase: number;
  exposure: number;
  gmv: number;
  lastSeen: number;
}

export interface Activity extends ActivityCounts {
  ctr: number | null;
  cartRate: number | null;
  purchaseRate: number | null;
  averageOrderValue: number | null;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export const activity: Aggregator<BehaviourEvent, ActivityCounts, Activity> = {
  create: () => ({ view: 0, click: 0, cart: 0, purchase: 0, exposure: 0, gmv: 0, lastSeen: -Infinity }),
  add(acc, e) {
    const next = { ...acc, [e.type]: acc[e.type] + 1, lastSeen: Math.max(acc.lastSeen, e.ts) };
    if (e.type === 'purchase') next.gmv = acc.gmv + (e.price ?? 0) * (e.qty ?? 1);
    return next;
  },
  merge: (a, b) => ({
    view: a.view + b.view,
    click: a.click + b.click,
    cart: a.cart + b.cart,
    purchase: a.purchase + b.purchase,
    exposure: a.exposure + b.exposure,
    gmv: a.gmv + b.gmv,
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
  }),
  result: (acc) => ({
    ...acc,
    ctr: ratio(acc.click, acc.view),
    cartRate: ratio(acc.cart, acc.view),
    purchaseRate: ratio(acc.purchase, acc.view),
    averageOrderValue: ratio(acc.gmv, acc.purchase),
  }),
};
