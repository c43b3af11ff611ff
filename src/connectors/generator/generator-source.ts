/**
 * The `generator` source: synthetic e-commerce events with a known truth (see ecommerce-truth.ts), one shard per
 * partition. Options are validated at load; `startTime` defaults to a fixed instant so runs are reproducible
 * (`startTime: now` follows the wall clock, for the demo).
 */
import type { SourceType } from '../connector.js';
import { EcommerceShard, type ShardOptions } from './ecommerce-stream.js';
import { EcommerceTruth, type ExperimentOption } from './ecommerce-truth.js';
import { ShardedSource } from './sharded-source.js';

export interface GeneratorOptions extends Omit<ShardOptions, 'startTime'> {
  categories: number;
  count?: number;
  rate: number;
  startTime: number | 'now';
  experiments: ExperimentOption[];
}

const positive = { type: 'integer', minimum: 1 };
const fraction = { type: 'number', minimum: 0, maximum: 1, default: 0 };

export const generatorOptionsSchema = {
  type: 'object',
  properties: {
    seed: { type: 'integer', default: 1 },
    users: { ...positive, default: 10_000 },
    items: { ...positive, default: 2_000 },
    categories: { ...positive, default: 20 },
    partitions: { ...positive, default: 4 },
    count: positive,
    rate: { type: 'number', minimum: 0, default: 0 },
    eventsPerSecondOfEventTime: { type: 'number', exclusiveMinimum: 0, default: 1000 },
    startTime: { anyOf: [{ type: 'integer' }, { const: 'now' }], default: 1_767_225_600_000 },
    outOfOrderness: { type: 'integer', minimum: 0, default: 0 },
    lateFraction: fraction,
    lateBy: { type: 'integer', minimum: 0, default: 600_000 },
    badFraction: fraction,
    experiments: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', minLength: 1 },
          randomized: { type: 'boolean', default: true },
          compliance: { type: 'number', minimum: 0, maximum: 1, default: 1 },
          variants: {
            type: 'array',
            minItems: 2,
            items: {
              type: 'object',
              properties: { name: { type: 'string', minLength: 1 }, weight: { type: 'number', exclusiveMinimum: 0, default: 1 }, clickEffect: { type: 'number', default: 0 }, conversionEffect: { type: 'number', default: 0 } },
              required: ['name'],
              additionalProperties: false,
            },
          },
        },
        required: ['id', 'variants'],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export function generatorTruth(o: Pick<GeneratorOptions, 'seed' | 'users' | 'items' | 'categories' | 'experiments'>): EcommerceTruth {
  return new EcommerceTruth({ seed: o.seed, users: o.users, items: o.items, categories: o.categories, experiments: o.experiments });
}

/** Plain iteration over one shard's events (no connector), for benchmarks and reference computations. */
export function* ecommerceEvents(o: GeneratorOptions & { startTime: number }, shard = 0, count = Infinity): Generator<ReturnType<EcommerceShard['next']>> {
  const s = new EcommerceShard(o, generatorTruth(o), shard);
  for (let n = 0; n < count; n++) yield s.next();
}

export const generatorSourceType: SourceType<GeneratorOptions> = {
  type: 'generator',
  optionsSchema: generatorOptionsSchema,
  create(options, ctx) {
    const startTime = options.startTime === 'now' ? Date.now() : options.startTime;
    const truth = generatorTruth(options);
    const shardOptions = { ...options, startTime };
    return new ShardedSource(ctx.stepId, `generator(seed ${options.seed})`, options, (p, offset) => {
      const shard = new EcommerceShard(shardOptions, truth, p);
      for (let n = 0; n < offset; n++) shard.next();
      return shard;
    });
  },
};
