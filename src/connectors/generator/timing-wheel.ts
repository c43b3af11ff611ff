/**
 * A timing wheel of slots (small non-negative integers) scheduled at integer ms times within a bounded horizon: one
 * bucket per ms, a linked list through typed arrays, read in time order and, inside a bucket, in push order. So it
 * hands slots out in exactly the (time, push order) order of a priority queue, at constant cost per slot and
 * without allocating. A time may be pushed only inside [cursor, cursor + horizon), where the cursor is the time of
 * the bucket read last.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

const NONE = -1;

export class TimingWheel {
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly mask: number;
  private next = new Int32Array(1024);
  /** The time of the bucket being read; nothing is scheduled before it. */
  private cursor: number;
  /** How many slots are scheduled and not yet handed out. */
  private pending = 0;

  /** `horizonMs`: how far past the cursor slots may be scheduled; `start`: the earliest time ever scheduled. */
  constructor(horizonMs: number, start: number) {
    const size = 2 ** Math.ceil(Math.log2(horizonMs + 1));
    this.head = new Int32Array(size).fill(NONE);
    this.tail = new Int32Array(size).fill(NONE);
    this.mask = size - 1;
    this.cursor = start;
  }

  push(time: number, slot: number): void {
    if (time < this.cursor || time - this.cursor > this.mask) {
      throw new FlywheelError(
        ErrorCodes.INTERNAL,
        `timing wheel: time ${time} outside [${this.cursor}, ${this.cursor + this.mask}]`,
        {},
        'schedule within the horizon the wheel was built for',
      );
    }
    if (slot >= this.next.length) {
      const next = new Int32Array(Math.max(slot + 1, 2 * this.next.length));
      next.set(this.next);
      this.next = next;
    }
    const b = time & this.mask;
    this.next[slot] = NONE;
    if (this.tail[b] === NONE) this.head[b] = slot;
    else this.next[this.tail[b]!] = slot;
    this.tail[b] = slot;
    this.pending++;
  }

  /** The next slot scheduled at or before `limit`, or -1; the cursor moves up to `limit` at most (never to Infinity). */
  popUntil(limit: number): number {
    if (this.pending === 0) {
      if (Number.isFinite(limit) && limit > this.cursor) this.cursor = Math.floor(limit);
      return NONE;
    }
    for (;;) {
      const b = this.cursor & this.mask;
      const slot = this.head[b]!;
      if (slot !== NONE) {
        const after = this.next[slot]!;
        this.head[b] = after;
        if (after === NONE) this.tail[b] = NONE;
        this.pending--;
        return slot;
      }
      if (this.cursor >= limit) return NONE;
      this.cursor++;
    }
  }
}
