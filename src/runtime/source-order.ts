/**
 * The order in which records read on the main thread from several source partitions reach the keyed stages. Read
 * order across partitions depends on timing (which Kafka fetch returned first), so a key fed by two partitions would
 * see its records in a different order in a run restarted after a crash: sums of floats differ in the last bit, a
 * record comes after a timer it came before and is late for it. Instead every record is stamped with its
 * own partition's watermark from just before it (a function of that partition's records alone), held here, and
 * handed on in (stamp, partition index, offset) order once the job's watermark is past its stamp: no record still
 * to come from a partition that holds the watermark can sort before it. The order is then a function of the input
 * alone, as long as no partition turns idle (idleness is measured on the wall clock, as in Flink); a job whose
 * sources are all idle hands on everything it holds. With a single partition, arrival order is that order already.
 */
import type { Millis } from '../api/types.js';

/** A record that left stage 0 for a keyed stage, as the slot scheduler takes it. */
export interface HeldRecord {
  stage: number;
  now: number;
  pidIndex: number;
  offset: number;
  timestamp: Millis;
  /** Its partition's watermark just before it was read. */
  stamp: Millis;
  key: string;
  kg: number;
  id: string | null;
  value: unknown;
}

/** Records of one partition, oldest first; `head` is the first not yet handed on. */
interface PartitionQueue {
  records: HeldRecord[];
  head: number;
}

export class SourceOrder {
  private readonly queues: PartitionQueue[] = [];
  /** Records held. */
  length = 0;
  /** The watermark the last release went up to: every record stamped below it has been handed on. */
  released: Millis = -Infinity;

  hold(record: HeldRecord): void {
    let queue = this.queues[record.pidIndex];
    if (!queue) {
      for (let i = this.queues.length; i <= record.pidIndex; i++) this.queues.push({ records: [], head: 0 });
      queue = this.queues[record.pidIndex]!;
    }
    queue.records.push(record);
    this.length++;
  }

  /**
   * Hands on, in (stamp, partition index, offset) order, every held record stamped below `watermark` (everything
   * when `everything`: the sources are idle or finished).
   */
  release(watermark: Millis, everything: boolean, take: (record: HeldRecord) => void): void {
    const limit = everything ? Infinity : watermark;
    if (this.length > 0) {
      for (;;) {
        let best: PartitionQueue | null = null;
        let bestStamp = Infinity;
        for (let i = 0; i < this.queues.length; i++) {
          const queue = this.queues[i]!;
          if (queue.head === queue.records.length) continue;
          const stamp = queue.records[queue.head]!.stamp;
          // Strictly below: a partition at exactly the watermark may still produce a record with that stamp.
          if ((stamp < limit || limit === Infinity) && (best === null || stamp < bestStamp)) {
            best = queue;
            bestStamp = stamp;
          }
        }
        if (best === null) break;
        take(best.records[best.head++]!);
        this.length--;
        if (best.head === best.records.length) {
          best.records = [];
          best.head = 0;
        }
      }
    }
    if (watermark > this.released) this.released = watermark;
  }

  /** The first held record of a partition, if any (a frontier must stop before it). */
  firstHeld(pidIndex: number): HeldRecord | undefined {
    const queue = this.queues[pidIndex];
    return queue && queue.head < queue.records.length ? queue.records[queue.head] : undefined;
  }
}
