/**
 * A small seeded maker of behaviour events for the feature tests: users and items drawn with a skew, categories per
 * item, prices with cents, event times increasing with a bounded jitter (so a watermark of max ts - jitter is never
 * passed by a later event), and one exposure per user on its first event.
 */
import { mulberry32 } from '../../../src/core/seeded-random.js';
import type { BehaviourEvent, EventType } from '../../../src/jobs/events/parse-event.js';

export interface EventMakerOptions {
  seed: number;
  count: number;
  users: number;
  items: number;
  categories: number;
  start: number;
  /** Mean gap between consecutive events (ms). */
  meanGap: number;
  /** Events are shuffled back in time by up to this much (ms). */
  jitter: number;
}

const TYPES: Array<[EventType, number]> = [
  ['view', 0.6],
  ['click', 0.22],
  ['cart', 0.1],
  ['purchase', 0.08],
];

export function makeEvents(o: EventMakerOptions): BehaviourEvent[] {
  const r = mulberry32(o.seed);
  const seen = new Set<string>();
  const events: BehaviourEvent[] = [];
  let clock = o.start;
  const pickType = (): EventType => {
    let x = r();
    for (const [type, p] of TYPES) if ((x -= p) < 0) return type;
    return 'view';
  };
  while (events.length < o.count) {
    clock += Math.floor(r() * 2 * o.meanGap);
    const ts = clock - Math.floor(r() * o.jitter);
    // Squaring a uniform skews the draw towards low ids: a few busy users and popular items.
    const userId = `u${Math.floor(r() ** 2 * o.users)}`;
    if (!seen.has(userId)) {
      seen.add(userId);
      events.push({ type: 'exposure', userId, ts, experiment: { id: 'e1', variant: r() < 0.5 ? 'A' : 'B', randomized: true } });
      continue;
    }
    const item = Math.floor(r() ** 2 * o.items);
    const price = Math.round((1 + (item % 50) * 3.7 + r() * 5) * 100) / 100;
    const type = pickType();
    events.push({
      type,
      userId,
      itemId: `i${item}`,
      category: item % o.categories,
      ts,
      price,
      ...(type === 'purchase' ? { qty: 1 + Math.floor(r() * 3) } : {}),
    });
  }
  return events;
}
