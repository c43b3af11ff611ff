/**
 * The feature store written as a plain single-threaded program, the "no framework" baseline of the throughput
 * benchmark: each raw event -> parse (bad ones dropped) -> the same user and item feature functions, run by
 * PlainKeyedProcess with state in Maps. The watermark is the runtime's: per source partition, the highest event
 * time seen minus the jobs' delay, and the least of those over the partitions; everything left fires at the end of
 * input. Counts the changes it emits.
 */
import { hasItem } from '../../src/jobs/events/keys.js';
import { parseEvent, type BehaviourEvent } from '../../src/jobs/events/parse-event.js';
import { itemFeatures, userFeatures } from '../../src/jobs/features/processors.js';
import { BENCH_OUT_OF_ORDERNESS, itemFeatureOptions, userFeatureOptions } from './bench-settings.js';
import { PlainKeyedProcess } from './plain-keyed-process.js';

export class PlainFeatureStore {
  changes = 0;
  private readonly users = new PlainKeyedProcess(userFeatures(userFeatureOptions), () => void this.changes++);
  private readonly items = new PlainKeyedProcess(itemFeatures(itemFeatureOptions), () => void this.changes++);
  private readonly highest: number[];
  private watermark = -Infinity;

  constructor(partitions: number) {
    this.highest = new Array<number>(partitions).fill(-Infinity);
  }

  /** One raw event read from `partition`. */
  push(raw: unknown, partition: number): void {
    let e: BehaviourEvent;
    try {
      e = parseEvent(raw);
    } catch {
      return;
    }
    this.users.onRecord(e.userId, e, e.ts);
    if (hasItem(e)) this.items.onRecord(e.itemId!, e, e.ts);
    if (e.ts <= this.highest[partition]!) return;
    this.highest[partition] = e.ts;
    const watermark = Math.min(...this.highest) - BENCH_OUT_OF_ORDERNESS;
    if (watermark > this.watermark) {
      this.watermark = watermark;
      this.users.advance(watermark);
      this.items.advance(watermark);
    }
  }

  /** End of input: every timer fires. Returns the number of changes emitted. */
  finish(): number {
    this.users.advance(Infinity);
    this.items.advance(Infinity);
    return this.changes;
  }
}
