/**
 * A source over deterministic shards (one per partition): offsets are positions in a shard, a restart seeks each
 * shard to the offset state asks for, an optional total `count` bounds the source, and an optional `rate` paces it
 * in wall-clock records per second (0 = as fast as it can). An undecodable payload becomes an error record.
 */
import type { SourceConnector, SourceOpenOptions, SourceRecord } from '../connector.js';
import { Undecodable } from './malformed-records.js';

export interface Shard {
  /** The record at the shard's next offset: a value, or an Undecodable payload. */
  next(): unknown;
}

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
  private shards: Shard[] = [];
  private nextOffset: number[] = [];
  private limits: number[] = [];
  private openedAt = 0;
  private emitted = 0;
  /** Partition the next poll starts with, rotating so a small (paced) budget is shared fairly. */
  private firstPartition = 0;

  constructor(
    readonly id: string,
    readonly origin: string,
    private readonly options: ShardedOptions,
    /** Creates shard p positioned at `offset` (by replaying or by computing). */
    private readonly openShard: (p: number, offset: number) => Shard,
  ) {}

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

  async poll(max: number): Promise<SourceRecord[]> {
    let budget = max;
    if (this.options.rate > 0) budget = Math.min(budget, Math.floor((this.options.rate * (Date.now() - this.openedAt)) / 1000) - this.emitted);
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
          out.push(value instanceof Undecodable ? { partition: p, offset, key: null, value: undefined, timestamp: null, error: value.reason, raw: value.raw } : { partition: p, offset, key: null, value, timestamp: null });
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
