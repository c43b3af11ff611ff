/**
 * One ordered queue per (stage, slot): records wait here until the slot's previous batch has committed, so a slot
 * never has two batches in flight and per-key order holds whatever thread runs the batch. Batches adapt by
 * themselves: while a batch runs, records accumulate, so a busy slot sends large batches and an idle one sends a
 * record after at most `maxDelay`. Records arrive one by one (read on the main thread) or as runs a worker packed
 * already (read from a source by worker intake, or forwarded by an earlier stage); a batch takes whole runs.
 */
import type { Millis } from '../api/types.js';
import { packColumns, RecordColumns } from './record-columns.js';

/**
 * Records a worker packed for this slot (record-columns.ts): read from one source partition (worker intake), or
 * forwarded by an earlier stage as one chunk (pidIndex and firstOffset -1).
 */
export interface PackedRun {
  records: Uint8Array;
  length: number;
  pidIndex: number;
  firstOffset: number;
  /** The watermark stamp of its records. */
  watermark: Millis;
}

/** A forward chunk's records as a run, all stamped with `watermark` (the chunk names itself inside `records`). */
export function forwardedRun(records: Uint8Array, length: number, watermark: Millis): PackedRun {
  return { records, length, pidIndex: -1, firstOffset: -1, watermark };
}

/** What a batch takes from a mailbox: packed runs in queue order, with their stamps (SlotTask.stamps). */
export interface TakenRecords {
  runs: Uint8Array[];
  stamps: number[];
  length: number;
  /** The watermark stamp of the last record taken. */
  lastWatermark: Millis;
}

export class SlotMailbox {
  private segments: Array<RecordColumns | PackedRun> = [];
  /** Records queued. */
  length = 0;
  inFlight = false;
  /** Watermark reached by the slot's last batch. */
  watermark: Millis = -Infinity;
  /**
   * Watermark reached by the slot's last commit: what the next stage may assume, since what the slot forwards
   * before it reaches the next stage only with the commit.
   */
  committedWatermark: Millis = -Infinity;
  /**
   * Earliest timer the slot holds, as its last batch reported. Unknown (-Infinity) until the slot's first batch: after
   * a restart it may hold persisted timers that are due, and must not count as caught up before it has fired them.
   */
  nextTimer: Millis = -Infinity;
  /** Wall-clock time the oldest queued record arrived. */
  oldestAt = 0;
  /** Wall-clock time the slot's source frontier was last sent. */
  frontierAt = 0;
  /** Wall-clock time of the slot's last commit. */
  committedAt = 0;
  /**
   * Wall-clock time since which the slot has had a batch due without records (timers to fire, a commit, a frontier),
   * 0 when it has none: that batch waits its turn from then, as a record does from its arrival, so a backlog of
   * record batches on the same thread cannot put it off for ever (its watermark would hold back every later stage).
   */
  dueSince = 0;
  /** Records the slot applied since its last commit (their outputs and forwards leave with the next one). */
  uncommitted = 0;
  /** True when the slot's last batch did not commit. */
  commitPending = false;

  constructor(
    readonly stage: number,
    readonly slot: number,
  ) {}

  /** Queues one record; `now` is the wall-clock time it arrived. */
  push(
    now: number,
    pidIndex: number,
    offset: number,
    timestamp: number,
    watermark: number,
    key: string,
    keyGroup: number,
    id: string | null,
    value: unknown,
  ): void {
    if (this.length === 0) this.oldestAt = now;
    let tail = this.segments[this.segments.length - 1];
    if (!(tail instanceof RecordColumns)) this.segments.push((tail = new RecordColumns()));
    tail.push(pidIndex, offset, timestamp, watermark, key, keyGroup, id, value);
    this.length++;
  }

  /** Queues a packed run, all of whose records are stamped with `run.watermark`; `now` is when it arrived. */
  pushRun(now: number, run: PackedRun): void {
    if (this.length === 0) this.oldestAt = now;
    this.segments.push(run);
    this.length += run.length;
  }

  /** Takes up to `max` queued records, oldest first (a packed run whole, so more when the first run is larger). */
  take(max: number): TakenRecords {
    const taken: TakenRecords = { runs: [], stamps: [], length: 0, lastWatermark: -Infinity };
    while (this.segments.length > 0 && taken.length < max) {
      const head = this.segments[0]!;
      if (head instanceof RecordColumns) {
        const part = head.length <= max - taken.length ? head : head.takeFirst(max - taken.length);
        if (part === head) this.segments.shift();
        taken.runs.push(packColumns(part));
        taken.stamps.push(-Infinity);
        taken.length += part.length;
        taken.lastWatermark = part.watermark[part.length - 1]!;
      } else {
        if (taken.length > 0 && taken.length + head.length > max) break;
        this.segments.shift();
        taken.runs.push(head.records);
        taken.stamps.push(head.watermark);
        taken.length += head.length;
        taken.lastWatermark = head.watermark;
      }
    }
    this.length -= taken.length;
    return taken;
  }

  /**
   * Per source partition index, the offset of its first queued record and the watermark stamp it was queued with
   * (-Infinity for a packed run, whose stamp is not its partition's watermark).
   */
  firstQueued(): Map<number, [offset: number, stamp: Millis]> {
    const first = new Map<number, [number, Millis]>();
    for (const segment of this.segments) {
      if (segment instanceof RecordColumns) {
        for (let i = 0; i < segment.length; i++) {
          const pidIndex = segment.pidIndex[i]!;
          if (pidIndex >= 0 && !first.has(pidIndex)) first.set(pidIndex, [segment.offset[i]!, segment.watermark[i]!]);
        }
      } else if (segment.pidIndex >= 0 && !first.has(segment.pidIndex)) first.set(segment.pidIndex, [segment.firstOffset, -Infinity]);
    }
    return first;
  }

  /** True when the slot has nothing queued, nothing running or uncommitted, and no timer due at `watermark`. */
  idleAt(watermark: Millis): boolean {
    return this.length === 0 && !this.inFlight && !this.commitPending && (this.nextTimer === Infinity || this.nextTimer > watermark);
  }
}
