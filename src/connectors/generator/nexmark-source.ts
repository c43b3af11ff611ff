/**
 * The `nexmark` source: the Nexmark event stream (see nexmark-model.ts) split over partitions (partition p holds
 * events p, p + P, p + 2P, ...), and `nexmarkEvents()` to iterate the same stream without any connector.
 */
import type { SourceType } from '../connector.js';
import { nexmarkEvent, type NexmarkOptions } from './nexmark-model.js';
import { ShardedSource } from './sharded-source.js';

export interface NexmarkSourceOptions extends Omit<NexmarkOptions, 'startTime'> {
  /** Event time of event 0; `now` follows the wall clock (paced runs where event time should be real time). */
  startTime: number | 'now';
  partitions: number;
  count?: number;
  rate: number;
}

export const nexmarkOptionsSchema = {
  type: 'object',
  properties: {
    seed: { type: 'integer', default: 1 },
    partitions: { type: 'integer', minimum: 1, default: 4 },
    count: { type: 'integer', minimum: 1 },
    rate: { type: 'number', minimum: 0, default: 0 },
    eventsPerSecondOfEventTime: { type: 'number', exclusiveMinimum: 0, default: 100_000 },
    startTime: { anyOf: [{ type: 'integer' }, { const: 'now' }], default: 1_767_225_600_000 },
    outOfOrderness: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

export const NEXMARK_DEFAULTS: NexmarkSourceOptions = { seed: 1, partitions: 4, rate: 0, eventsPerSecondOfEventTime: 100_000, startTime: 1_767_225_600_000, outOfOrderness: 0 };

function resolveStart<T extends { startTime: number | 'now' }>(o: T): T & { startTime: number } {
  return { ...o, startTime: o.startTime === 'now' ? Date.now() : o.startTime };
}

/** The whole stream in event-number order. */
export function* nexmarkEvents(options: Partial<NexmarkSourceOptions> & { count: number }): Generator<Record<string, unknown>> {
  const o = resolveStart({ ...NEXMARK_DEFAULTS, ...options });
  for (let n = 0; n < options.count; n++) yield nexmarkEvent(o, n);
}

export const nexmarkSourceType: SourceType<NexmarkSourceOptions> = {
  type: 'nexmark',
  optionsSchema: nexmarkOptionsSchema,
  create(options, ctx) {
    const o = resolveStart({ ...NEXMARK_DEFAULTS, ...options });
    const P = o.partitions;
    return new ShardedSource(ctx.stepId, `nexmark(seed ${o.seed})`, o, (p, offset) => {
      let k = offset;
      return { next: () => ({ event: nexmarkEvent(o, k++ * P + p) }) };
    });
  },
};
