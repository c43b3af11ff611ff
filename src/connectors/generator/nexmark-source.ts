/**
 * The `nexmark` source: the Nexmark stream (nexmark-model.ts) split over partitions (partition p holds stream
 * positions p, p + P, p + 2P, ...; offset k of partition p is position k * P + p), and `nexmarkEvents()` to iterate
 * the same stream in position order without any connector. Seeking costs nothing: an event is computed from its
 * number alone.
 */
import type { SourceType } from '../connector.js';
import { validateAgainst } from '../../graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { DEFAULT_START_TIME } from './ecommerce-options.js';
import { NEXMARK_CONFIG, NexmarkModel, type NexmarkModelOptions } from './nexmark-model.js';
import { ShardedSource } from './sharded-source.js';

export interface NexmarkSourceOptions extends Omit<NexmarkModelOptions, 'startTime'> {
  /** Event time of event 0; `now` follows the wall clock (paced runs where event time should be real time). */
  startTime: number | 'now';
  partitions: number;
  /** Total events over all partitions; absent: unbounded. */
  count?: number;
  /** Events per second of wall-clock time over all partitions; 0: as fast as possible. */
  rate: number;
}

export const nexmarkOptionsSchema = {
  type: 'object',
  properties: {
    seed: { type: 'integer', default: 1 },
    partitions: { type: 'integer', minimum: 1, default: 4 },
    count: { type: 'integer', minimum: 1 },
    rate: { type: 'number', minimum: 0, default: 0 },
    eventsPerSecondOfEventTime: { type: 'number', exclusiveMinimum: 0, default: NEXMARK_CONFIG.defaultEventsPerSecond },
    startTime: { anyOf: [{ type: 'integer' }, { const: 'now' }], default: DEFAULT_START_TIME },
    outOfOrderness: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

function modelOf(o: NexmarkSourceOptions): NexmarkModel {
  return new NexmarkModel({ ...o, startTime: o.startTime === 'now' ? Date.now() : o.startTime });
}

/** The whole stream in position order (defaults filled in), up to `count` (unbounded without it). */
export function* nexmarkEvents(options: Partial<NexmarkSourceOptions> = {}): Generator<Record<string, unknown>> {
  const resolved = structuredClone(options) as NexmarkSourceOptions;
  const problem = validateAgainst(nexmarkOptionsSchema, resolved);
  if (problem)
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `nexmark options.${problem.path.join('.')}: ${problem.message}`,
      {},
      'fix the option; the schema is nexmarkOptionsSchema in src/connectors/generator/nexmark-source.ts',
    );
  const model = modelOf(resolved);
  const count = resolved.count ?? Infinity;
  for (let m = 0; m < count; m++) yield model.eventAt(m);
}

export const nexmarkSourceType: SourceType<NexmarkSourceOptions> = {
  type: 'nexmark',
  optionsSchema: nexmarkOptionsSchema,
  create(options, ctx) {
    const model = modelOf(options);
    const P = options.partitions;
    return new ShardedSource(
      ctx.stepId,
      `nexmark(seed ${options.seed})`,
      options,
      (p, offset) => {
        let k = offset;
        return { next: () => model.eventAt(k++ * P + p) };
      },
      options.startTime !== 'now',
    );
  },
};
