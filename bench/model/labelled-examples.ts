/**
 * Labelled click examples for the model benchmarks, built once from the generator's events with the label step's
 * rule (a view is positive when the same user clicks, carts or buys the item within the label window) and the
 * click model's features without the user profile (the benchmarks measure learning, not the feature store).
 */
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import { clickFeatures } from '../../src/jobs/model/example-features.js';
import type { TrainingExample } from '../../src/jobs/model/training-example.js';

const LABEL_WINDOW = 60_000;

export const benchWorld = { seed: 3, users: 2_000, items: 1_000, categories: 20, partitions: 1 };

export function labelledExamples(events: number): TrainingExample[] {
  const all = [...ecommerceEvents({ ...benchWorld, count: events })].map(
    (r) => r as { type: string; userId: string; itemId?: string; ts: number; category?: number; price?: number; device?: string },
  );
  const responses = new Map<string, number[]>();
  for (const e of all) {
    if (e.type === 'view' || e.itemId === undefined) continue;
    const key = `${e.userId}|${e.itemId}`;
    responses.set(key, [...(responses.get(key) ?? []), e.ts]);
  }
  const examples: TrainingExample[] = [];
  all.forEach((e, seq) => {
    if (e.type !== 'view') return;
    const times = responses.get(`${e.userId}|${e.itemId}`) ?? [];
    const label = times.some((t) => t >= e.ts && t <= e.ts + LABEL_WINDOW) ? 1 : 0;
    const item = { itemId: e.itemId!, category: e.category ?? null, price: e.price ?? null };
    examples.push({
      model: 'click',
      id: `${e.userId}#${seq}`,
      ts: e.ts,
      features: clickFeatures(e.userId, item, e.device ?? null, null),
      label,
      userId: e.userId,
      ...item,
    });
  });
  return examples.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
}
