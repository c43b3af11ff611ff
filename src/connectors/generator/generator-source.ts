/**
 * The `generator` source: synthetic e-commerce events with a known truth (ecommerce-truth.ts), one shard per
 * partition (ecommerce-shard.ts); a restart from offset k replays the shard's steps up to k without building
 * records. With `startTime: now` the clock is the wall clock's at open, so only the thread that opened the source
 * can read its shards (it is not read in worker threads). Also `ecommerceEvents()`, the same records as a plain
 * iterator without any connector.
 */
import type { SourceType } from '../connector.js';
import { EcommerceShard, type ShardRecord } from './ecommerce-shard.js';
import { checkOptions, ecommerceOptionsSchema, resolveEcommerceOptions, startTimeOf, type EcommerceOptions } from './ecommerce-options.js';
import { EcommerceTruth } from './ecommerce-truth.js';
import { FAULT_KINDS, type FaultKind } from './ecommerce-faults.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { partitionShare, ShardedSource } from './sharded-source.js';

/** The options schema under the name topologies and benchmarks validate against. */
export const generatorOptionsSchema = ecommerceOptionsSchema;

/** The shards of a generator: the world, model and experiments are built once and shared. */
export class EcommerceShards {
  readonly truth: EcommerceTruth;
  private readonly startTime: number;

  constructor(readonly options: EcommerceOptions) {
    this.truth = new EcommerceTruth(options);
    this.startTime = startTimeOf(options);
  }

  /**
   * Shard p positioned at `offset`. With `startTime: now`, the shard's clock is set back by the event time of its
   * first `offset` records, so a restart resumes at the clock rather than that far ahead of it.
   */
  open(p: number, offset = 0): EcommerceShard {
    const { partitions, eventsPerSecondOfEventTime } = this.options;
    const startTime =
      this.options.startTime === 'now' ? this.startTime - Math.floor((offset * 1000 * partitions) / eventsPerSecondOfEventTime) : this.startTime;
    const shard = new EcommerceShard(this.truth.model, this.truth.plan, { ...this.options, startTime }, p, this.truth.identity, this.truth.faults);
    shard.skip(offset);
    return shard;
  }
}

/**
 * All records of the generator with these options (defaults filled in), partition by partition interleaved one
 * record at a time, up to `count` (unbounded without it). Each partition's records are its shard's sequence, the same
 * as the source's offsets 0, 1, 2, ...
 */
export function* ecommerceEvents(options: Partial<EcommerceOptions> = {}): Generator<ShardRecord> {
  const shards = new EcommerceShards(resolveEcommerceOptions(options));
  const { partitions, count } = shards.options;
  const open = Array.from({ length: partitions }, (_, p) => shards.open(p));
  const remaining = Array.from({ length: partitions }, (_, p) => (count === undefined ? Infinity : partitionShare(count, partitions, p)));
  for (let left = count ?? Infinity; left > 0; ) {
    for (let p = 0; p < partitions; p++) {
      if (remaining[p]! === 0) continue;
      remaining[p]!--;
      left--;
      yield open[p]!.next();
    }
  }
}

/** The faults the generator with these options applies over all its records (`count` must be set), by kind. */
export function injectedFaults(options: Partial<EcommerceOptions>): Record<FaultKind, number> {
  const shards = new EcommerceShards(resolveEcommerceOptions(options));
  const { partitions, count } = shards.options;
  if (count === undefined)
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      'injectedFaults: the options have no count',
      {},
      'set count: the faults of an unbounded generator cannot be counted',
    );
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (let p = 0; p < partitions; p++) {
    const shard = shards.open(p);
    for (let n = partitionShare(count, partitions, p); n > 0; n--) {
      shard.next();
      if (shard.lastFault !== null) counts[shard.lastFault]++;
    }
  }
  return counts;
}

/** One partition's records from offset `from` on, without connector (`count` bounds the whole generator as above). */
export function* ecommerceShardEvents(options: Partial<EcommerceOptions>, partition: number, from = 0): Generator<ShardRecord> {
  const shards = new EcommerceShards(resolveEcommerceOptions(options));
  const { partitions, count } = shards.options;
  const limit = count === undefined ? Infinity : partitionShare(count, partitions, partition);
  const shard = shards.open(partition, from);
  for (let offset = from; offset < limit; offset++) yield shard.next();
}

export const generatorSourceType: SourceType<EcommerceOptions> = {
  type: 'generator',
  optionsSchema: ecommerceOptionsSchema,
  create(options, ctx) {
    checkOptions(options, { stepId: ctx.stepId });
    const shards = new EcommerceShards(options);
    return new ShardedSource(ctx.stepId, `generator(seed ${options.seed})`, options, (p, offset) => shards.open(p, offset), options.startTime !== 'now');
  },
};
