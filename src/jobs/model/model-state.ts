/**
 * The keyed state of the model step; the key is the model's name, so each model is learned by one slot, in one
 * deterministic order (see docs/model.md, "How the model is keyed"). Plain data, stored as msgpack:
 *   pending   value  PendingExample[]: examples waiting for the watermark, each under `<emission ts>/<example id>`,
 *                                     sorted by it
 *   weights   map    coordinate (base 36) -> [z, n]: the FTRL state, one entry per coordinate touched
 *   progress  value  Progress: examples learned, versions published
 *   metrics   value  RollingMetrics: the progressive (score-before-learn) window
 *   head      value  VersionInfo of the latest published version (small: scorers poll it)
 *   published value  PublishedModel: the latest version's nonzero weights and hashing spec
 *   versions  map    `<version>` -> VersionInfo, the latest `keepVersions`
 *   items     map    itemId -> ItemEntry: catalogue and decayed popularity (click model)
 *   popular   value  [itemId, score][]: the most popular items at the latest publication (click model)
 */
import type { HashingSpec, NamedFeatures } from './feature-hashing.js';
import type { MetricSummary } from './metric-bins.js';
import type { ModelSnapshot } from './model-versions.js';

export const MODEL_STATE = {
  pending: 'pending',
  weights: 'weights',
  progress: 'progress',
  metrics: 'metrics',
  head: 'head',
  published: 'published',
  versions: 'versions',
  items: 'items',
  popular: 'popular',
} as const;

/** [`<emission ts>/<example id>` (the learning order), features, label, example ts, itemId, category, price, userId]. */
export type PendingExample = [string, NamedFeatures, 0 | 1, number, string | null, number | null, number | null, string];

export interface Progress {
  examples: number;
  version: number;
  /** Examples learned when the latest version was published. */
  publishedExamples: number;
  /** Event time of the latest example learned. */
  learnedThrough: number | null;
  /** Learn ticks at or after this event time publish the examples not yet published (null: none are). */
  publishDue: number | null;
}

export interface VersionInfo {
  model: string;
  version: number;
  /** Examples the version has learned from. */
  examples: number;
  /** Event time of the latest example in it. */
  learnedThrough: number | null;
  /** Wall-clock time it was written (ms). */
  publishedAt: number;
  nonzeroWeights: number;
  /** Progressive metrics over the rolling window at publication. */
  metrics: MetricSummary;
}

export interface PublishedModel extends ModelSnapshot {
  model: string;
  hashing: HashingSpec;
  publishedAt: number;
}

/** [category or null, list price or null, decayed view count, event time of that count]. */
export type ItemEntry = [number | null, number | null, number, number];

export const versionKey = (version: number): string => version.toString().padStart(10, '0');
