/**
 * The order in which an executor applies the source records it holds (the rule of source-order.ts, without an object
 * per record): records arrive as column runs from each executor's reading, every partition's records in offset order
 * and stamped with their partition's watermark just before them; they are handed on in (stamp, partition index,
 * offset) order once the job's watermark is past their stamp, so every slot sees its records in an order that
 * depends on the input alone.
 */
import type { Millis } from '../api/types.js';

/** The columns of held records, as packed runs and the reading side both have them. */
export interface HeldColumns {
  readonly length: number;
  readonly pidIndex: ArrayLike<number>;
  readonly offset: ArrayLike<number>;
  readonly timestamp: ArrayLike<number>;
  readonly watermark: ArrayLike<number>;
  readonly keyGroup: ArrayLike<number>;
  readonly key: ArrayLike<string>;
  readonly id: ArrayLike<string | null>;
  readonly value: ArrayLike<unknown>;
}

/** Records `at` to `end - 1` of one run, all of one partition. */
interface Segment {
  columns: HeldColumns;
  at: number;
  end: number;
}

export class RunOrder {
  /** Per partition index, its held segments, oldest first; `heads[p]` is the first not yet handed on. */
  private readonly queues: Segment[][] = [];
  private readonly heads: number[] = [];
  /** Records held. */
  length = 0;

  /** Holds a run (every partition's records in it contiguous and in offset order). */
  hold(columns: HeldColumns): void {
    const n = columns.length;
    for (let start = 0; start < n; ) {
      const pid = columns.pidIndex[start]!;
      let end = start + 1;
      while (end < n && columns.pidIndex[end] === pid) end++;
      for (let i = this.queues.length; i <= pid; i++) {
        this.queues.push([]);
        this.heads.push(0);
      }
      this.queues[pid]!.push({ columns, at: start, end });
      this.length += end - start;
      start = end;
    }
  }

  /** Hands on, in (stamp, partition index, offset) order, every held record stamped below `watermark` (all with `everything`). */
  release(watermark: Millis, everything: boolean, take: (columns: HeldColumns, i: number) => void): void {
    while (this.length > 0) {
      let best = -1;
      let bestStamp = Infinity;
      for (let p = 0; p < this.queues.length; p++) {
        const head = this.headOf(p);
        if (head === null) continue;
        const stamp = head.columns.watermark[head.at]!;
        // Strictly below: a partition at exactly the watermark may still produce a record with that stamp.
        if ((everything || stamp < watermark) && (best === -1 || stamp < bestStamp)) {
          best = p;
          bestStamp = stamp;
        }
      }
      if (best === -1) return;
      const segment = this.headOf(best)!;
      // The partition's records go on while they stay first: before every other partition's head, and on a tie
      // only before those of a higher partition index.
      let belowLower = Infinity;
      let upToHigher = Infinity;
      for (let p = 0; p < this.queues.length; p++) {
        if (p === best) continue;
        const head = this.headOf(p);
        if (head === null) continue;
        const stamp = head.columns.watermark[head.at]!;
        if (!(everything || stamp < watermark)) continue;
        if (p < best) belowLower = Math.min(belowLower, stamp);
        else upToHigher = Math.min(upToHigher, stamp);
      }
      const { columns } = segment;
      while (segment.at < segment.end) {
        const stamp = columns.watermark[segment.at]!;
        if (!(everything || stamp < watermark) || stamp >= belowLower || stamp > upToHigher) break;
        take(columns, segment.at++);
        this.length--;
      }
    }
  }

  /** The offset and stamp of a partition's first held record, if any (a frontier must stop before it). */
  firstHeld(pid: number): { offset: number; stamp: number } | null {
    const head = this.headOf(pid);
    return head === null ? null : { offset: head.columns.offset[head.at]!, stamp: head.columns.watermark[head.at]! };
  }

  /** The partition's first segment with records left, dropping those used up. */
  private headOf(p: number): Segment | null {
    const queue = this.queues[p];
    if (!queue) return null;
    let h = this.heads[p]!;
    while (h < queue.length && queue[h]!.at === queue[h]!.end) h++;
    if (h === queue.length) {
      if (h > 0) {
        queue.length = 0;
        this.heads[p] = 0;
      }
      return null;
    }
    if (h > 64) {
      queue.splice(0, h);
      h = 0;
    }
    this.heads[p] = h;
    return queue[h]!;
  }
}
