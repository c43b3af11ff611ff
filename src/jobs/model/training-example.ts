/**
 * What the label step sends the model step: one labelled example of a named model, with a stable id (the user and
 * the user's event sequence number) so that the model step can learn examples in one deterministic order whatever
 * the interleaving of the slots that produced them.
 */
import type { NamedFeatures } from './feature-hashing.js';

export type ModelName = 'click' | 'churn';

export interface TrainingExample {
  model: ModelName;
  /** Unique per model: `<userId>#<sequence>`. */
  id: string;
  /** Event time the example describes: the view (click model) or the observed activity (churn model). */
  ts: number;
  features: NamedFeatures;
  label: 0 | 1;
  userId: string;
  /** Click model: the item viewed, its category and list price (kept in the model's item catalogue). */
  itemId?: string;
  category?: number | null;
  price?: number | null;
}

/** Fixed-width decimal so that map entries (sorted as strings) sort by time. */
export function timeKey(ms: number): string {
  return Math.floor(ms).toString().padStart(16, '0');
}
