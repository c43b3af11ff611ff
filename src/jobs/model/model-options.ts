/**
 * Options of the model step (model-trainer.ts): per model its hashing spec and FTRL parameters, how often examples
 * are learned and versions published, the rolling window of the progressive metrics, and the item catalogue kept
 * for recommendations.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { checkHashingSpec, type HashingSpec } from './feature-hashing.js';
import { createFtrl, type FtrlParams } from './ftrl.js';
import { createRollingMetrics } from './progressive-metrics.js';
import { checkedStepOptions } from './step-options.js';
import type { ModelName } from './training-example.js';

export interface ModelSpec {
  hashing: HashingSpec;
  ftrl: FtrlParams;
}

export interface ModelOptions {
  models: Record<ModelName, ModelSpec>;
  /** Examples are learned in (time, id) order once the watermark passes the next multiple of this (event time). */
  learnEvery: number;
  /** A new version is published after this many examples learned... */
  publishEvery: number;
  /** ...or at the first learn tick this much event time after the first unpublished examples (and at input end). */
  publishInterval: number;
  /** Versions listed by GET /models per model. */
  keepVersions: number;
  metrics: { segmentSize: number; segments: number };
  /** Emits every learned example's progressive prediction downstream ({ model, id, prediction, label, ... }). */
  emitPredictions: boolean;
  /** Half-life of the decayed view counts that rank recently popular items. */
  popularHalfLife: number;
  /** Recently popular items kept as recommendation candidates. */
  popularItems: number;
}

const ftrlSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    alpha: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
    beta: { type: 'number', minimum: 0, default: 1 },
    lambda1: { type: 'number', minimum: 0, default: 1 },
    lambda2: { type: 'number', minimum: 0, default: 1 },
  },
  default: {},
} as const;

const modelSchema = (bits: number, crosses: string[][]) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: {
      hashing: {
        type: 'object',
        additionalProperties: false,
        properties: {
          bits: { type: 'integer', minimum: 1, maximum: 30, default: bits },
          seed: { type: 'integer', default: 0 },
          crosses: { type: 'array', items: { type: 'array', minItems: 2, items: { type: 'string' } }, default: crosses },
          bias: { type: 'boolean', default: true },
        },
        default: {},
      },
      ftrl: ftrlSchema,
    },
    default: {},
  }) as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    models: {
      type: 'object',
      additionalProperties: false,
      properties: { click: modelSchema(20, [['user', 'category']]), churn: modelSchema(16, []) },
      default: {},
    },
    learnEvery: { type: ['string', 'number'], duration: true, default: '1s' },
    publishEvery: { type: 'integer', minimum: 1, default: 5000 },
    publishInterval: { type: ['string', 'number'], duration: true, default: '1m' },
    keepVersions: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: { segmentSize: { type: 'integer', minimum: 1, default: 10_000 }, segments: { type: 'integer', minimum: 2, maximum: 100, default: 5 } },
      default: {},
    },
    emitPredictions: { type: 'boolean', default: false },
    popularHalfLife: { type: ['string', 'number'], duration: true, default: '1h' },
    popularItems: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 },
  },
} as const;

export function resolveModelOptions(options: unknown = {}): ModelOptions {
  const resolved = checkedStepOptions<ModelOptions>(schema, options, 'model step');
  for (const spec of Object.values(resolved.models)) {
    checkHashingSpec(spec.hashing);
    createFtrl(spec.ftrl);
  }
  createRollingMetrics(resolved.metrics);
  if (resolved.learnEvery <= 0) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `model step options: with.learnEvery must be a positive duration, got ${resolved.learnEvery} ms`,
      { path: 'with.learnEvery' },
      'e.g. learnEvery: 1s',
    );
  }
  return resolved;
}
