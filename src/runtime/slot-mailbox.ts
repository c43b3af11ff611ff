/**
 * One ordered queue per (stage, slot): records wait here until the slot's previous batch has committed, so a slot
 * never has two batches in flight and per-key order holds whatever thread runs the batch. Batches adapt by
 * themselves: while a batch runs, records accumulate, so a busy slot sends large batches and an idle one sends a
 * record after at most `maxDelay`.
 */
import type { Millis } from '../api/types.js';
import { RecordColumns } from './record-columns.js';

export class SlotMailbox {
  queue = new RecordColumns();
  inFlight = false;
  /** Watermark reached by the slot's last committed batch. */
  watermark: Millis = -Infinity;
  /**
   * Earliest timer the slot holds, as its last batch reported. Unknown (-Infinity) until the slot's first batch: after
   * a restart it may hold persisted timers that are due, and must not count as caught up before it has fired them.
   */
  nextTimer: Millis = -Infinity;
  /** Wall-clock time the oldest queued record arrived. */
  oldestAt = 0;
  /** Wall-clock time the slot's source frontier was last committed. */
  frontierAt = 0;
  /** Source-routed records the slot has been sent since its frontier was last committed. */
  frontierDirty = false;

  constructor(
    readonly stage: number,
    readonly slot: number,
  ) {}

  /** Queues one record; `now` is the wall-clock time it arrived. */
  push(now: number, pidIndex: number, offset: number, timestamp: number, watermark: number, key: string, keyGroup: number, id: string | null, value: unknown, chunk: string | null): void {
    if (this.queue.length === 0) this.oldestAt = now;
    this.queue.push(pidIndex, offset, timestamp, watermark, key, keyGroup, id, value, chunk);
  }

  /** Takes up to `max` queued records, oldest first. */
  take(max: number): RecordColumns {
    if (this.queue.length <= max) {
      const all = this.queue;
      this.queue = new RecordColumns();
      return all;
    }
    return this.queue.takeFirst(max);
  }

  /** True when the slot has nothing queued, nothing running, and no timer due at `watermark`. */
  idleAt(watermark: Millis): boolean {
    return this.queue.length === 0 && !this.inFlight && (this.nextTimer === Infinity || this.nextTimer > watermark);
  }
}
