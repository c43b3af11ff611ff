/**
 * A source over deterministic shards (one per partition): offsets are positions in a shard, a restart seeks each
 * shard to the offset state asks for, an optional total `count` bounds the source, and an optional `rate` paces it
 * in wall-clock records per second (0 = as fast as it can). An undecodable payload becomes an error record. Any
 * thread can read a shard from an offset, so the source can also hand out offset ranges for worker threads to read
 * (claim, openPartition).
 */
import { Undecodable, type PartitionRange, type PartitionReader, type SourceConnector, type SourceOpenOptions, type SourceRecord } from '../connector.js';

/** How many of `count` records partition p of `partitions` holds (the first count % partitions hold one more). */
export function partitionShare(count: number, partitions: number, p: number): number {
  return Math.floor(count / partitions) + (p < count % partitions ? 1 : 0);
}

export interface ShardedOptions {
  partitions: number;
  count?: number;
  rate: number;
}

export class ShardedSource implements SourceConnector {
  private shards: PartitionReader[] = [];
  private nextOffset: number[] = [];
  private limits: number[] = [];
  private openedAt = 0;
  private emitted = 0;
  /** Partition the next poll starts with, rotating so a small (paced) budget is shared fairly. */
  private firstPartition = 0;

  /** With `readableAnywhere` (a shard's records depend on nothing but the options): claim() and openPartition(). */
  readonly claim?: (max: number, busy: ReadonlySet<number>) => PartitionRange[];
  readonly openPartition?: (partition: number, offset: number) => PartitionReader;

  constructor(
    readonly id: string,
    readonly origin: string,
    private readonly options: ShardedOptions,
    /** Creates shard p positioned at `offset` (by replaying or by computing). */
    private readonly openShard: (p: number, offset: number) => PartitionReader,
    readableAnywhere = true,
  ) {
    if (readableAnywhere) {
      this.claim = (max, busy) => this.claimRanges(max, busy);
      this.openPartition = (partition, offset) => this.openShard(partition, offset);
    }
  }

  async open(options: SourceOpenOptions): Promise<void> {
    const { partitions, count } = this.options;
    this.nextOffset = Array.from({ length: partitions }, (_, p) => options.startOffsets.get(p) ?? 0);
    this.shards = this.nextOffset.map((offset, p) => this.openShard(p, offset));
    this.limits = Array.from({ length: partitions }, (_, p) => (count === undefined ? Infinity : partitionShare(count, partitions, p)));
    this.openedAt = Date.now();
    this.emitted = 0;
  }

  partitions(): readonly number[] {
    return this.shards.map((_, p) => p);
  }

  /** How many records may be read now: `max`, or fewer to keep to the rate. */
  private budget(max: number): number {
    if (this.options.rate <= 0) return max;
    return Math.min(max, Math.floor((this.options.rate * (Date.now() - this.openedAt)) / 1000) - this.emitted);
  }

  private claimRanges(max: number, busy: ReadonlySet<number>): PartitionRange[] {
    const open = this.shards.map((_, p) => p).filter((p) => !busy.has(p) && this.nextOffset[p]! < this.limits[p]!);
    let budget = this.budget(max);
    const ranges: PartitionRange[] = [];
    for (let i = 0; i < open.length && budget > 0; i++) {
      const p = open[i]!;
      const count = Math.min(Math.ceil(budget / (open.length - i)), this.limits[p]! - this.nextOffset[p]!);
      ranges.push({ partition: p, from: this.nextOffset[p]!, count });
      this.nextOffset[p]! += count;
      budget -= count;
      this.emitted += count;
    }
    return ranges;
  }

  async poll(max: number): Promise<SourceRecord[]> {
    const budget = this.budget(max);
    const out: SourceRecord[] = [];
    const P = this.shards.length;
    const chunk = Math.max(1, Math.min(64, Math.ceil(budget / P)));
    for (let progressed = true; progressed && out.length < budget; ) {
      progressed = false;
      for (let i = 0; i < P && out.length < budget; i++) {
        const p = (this.firstPartition + i) % P;
        for (let n = 0; n < chunk && out.length < budget && this.nextOffset[p]! < this.limits[p]!; n++) {
          const offset = this.nextOffset[p]!++;
          const value = this.shards[p]!.next();
          out.push(
            value instanceof Undecodable
              ? { partition: p, offset, key: null, value: undefined, timestamp: null, error: value.reason, raw: value.raw }
              : { partition: p, offset, key: null, value, timestamp: null },
          );
          progressed = true;
        }
      }
    }
    this.emitted += out.length;
    this.firstPartition = (this.firstPartition + 1) % P;
    return out;
  }

  finished(): boolean {
    return this.nextOffset.every((o, p) => o >= this.limits[p]!);
  }

  lag(): ReadonlyMap<number, number> | undefined {
    if (this.options.count === undefined) return undefined;
    return new Map(this.nextOffset.map((o, p) => [p, this.limits[p]! - o]));
  }

  async close(): Promise<void> {}
}
