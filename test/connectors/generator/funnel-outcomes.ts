/**
 * Test helper: folds a time-ordered e-commerce stream into per-view outcomes. Each click is traced to the latest
 * view of its item in its session 1-30 s before it, each cart to such a click 5-60 s before it, each purchase to
 * such a cart 10-120 s before it, so every view knows whether it was clicked and what it led to. Views within the
 * last MAX_VIEW_TO_PURCHASE_MS of the stream are left out (their outcomes may not have happened yet).
 */
import { MAX_VIEW_TO_PURCHASE_MS } from '../../../src/connectors/generator/ecommerce-model.js';

export interface StreamEvent {
  type: string;
  userId: string;
  itemId?: string;
  sessionId?: string;
  ts: number;
  price?: number;
  qty?: number;
}

export interface ViewOutcome {
  user: number;
  item: number;
  ts: number;
  clicked: boolean;
  carted: boolean;
  purchased: boolean;
  /** Price paid times quantity of the purchase it led to (0 if none). */
  revenue: number;
}

interface Step {
  type: string;
  ts: number;
  view: ViewOutcome;
}

const WINDOWS: Record<string, [string, number, number]> = {
  click: ['view', 1000, 30_000],
  cart: ['click', 5000, 60_000],
  purchase: ['cart', 10_000, 120_000],
};

/** The views of the stream with their outcomes; `events` must be sorted by ts. */
export function viewOutcomes(events: readonly StreamEvent[]): ViewOutcome[] {
  const steps = new Map<string, Step[]>();
  const views: ViewOutcome[] = [];
  for (const e of events) {
    if (e.type === 'exposure') continue;
    const key = `${e.sessionId}/${e.itemId}`;
    let list = steps.get(key);
    if (!list) steps.set(key, (list = []));
    if (e.type === 'view') {
      const view: ViewOutcome = {
        user: Number(e.userId.slice(1)),
        item: Number(e.itemId!.slice(1)),
        ts: e.ts,
        clicked: false,
        carted: false,
        purchased: false,
        revenue: 0,
      };
      views.push(view);
      list.push({ type: 'view', ts: e.ts, view });
      continue;
    }
    const [causeType, min, max] = WINDOWS[e.type]!;
    const cause = list.findLast((s) => s.type === causeType && e.ts - s.ts >= min && e.ts - s.ts < max);
    if (!cause) throw new Error(`${e.type} at ${e.ts} in ${key} has no ${causeType} before it`);
    list.push({ type: e.type, ts: e.ts, view: cause.view });
    if (e.type === 'click') cause.view.clicked = true;
    if (e.type === 'cart') cause.view.carted = true;
    if (e.type === 'purchase') {
      cause.view.purchased = true;
      cause.view.revenue = e.price! * e.qty!;
    }
  }
  const end = events[events.length - 1]!.ts - MAX_VIEW_TO_PURCHASE_MS;
  return views.filter((v) => v.ts <= end);
}
