/**
 * Which timers of one step of a pinned slot are in memory: every timer due at or before `through`, at most about
 * `limit` of them (ties at the last time kept together); later ones are only in LMDB (or, not committed yet, in the
 * batch's added timers), and are read back in firing order when the earlier ones have fired. Without this bound a
 * slot kept every timer it held in memory, outside the state cache budget: timers set far ahead, or not fired while
 * a stage's watermark trails a backlog, grew with the keys seen (docs/runtime.md, "Memory"). As Flink's RocksDB
 * timer service keeps a bounded cache of the head of each queue, not the whole queue.
 */
import type { Database } from 'lmdb';
import { registrant, timerId } from './timer-changes.js';
import { TimerQueue, type QueuedTimer } from './timer-queue.js';

/** Timers of one step of a pinned slot kept in memory, unless more share the last time kept (about 450 bytes each). */
export const DEFAULT_TIMERS_IN_MEMORY = 2048;

export class TimerWindow {
  readonly queue = new TimerQueue();
  /** Every timer of the step due at or before this time is in `queue`; -Infinity before the first read. */
  private through = -Infinity;

  constructor(
    private readonly db: Database,
    private readonly stepId: string,
    private readonly keyGroups: readonly number[],
    private readonly limit: number,
  ) {}

  /** Whether every timer due at or before `time` is in memory (so a timer due then belongs there). */
  holds(time: number): boolean {
    return time <= this.through;
  }

  /** After a timer joined the queue: past the limit, the later half is let go (LMDB or the batch holds it). */
  bound(): void {
    if (this.queue.size > this.limit) this.through = this.queue.keepEarliest(Math.max(1, Math.floor(this.limit / 2)));
  }

  /** The earliest timer, read from LMDB if none is in memory. */
  first(pending: ReadonlyMap<string, QueuedTimer>, removed: ReadonlyMap<string, unknown>): number {
    let time = this.queue.firstTime();
    while (time === Infinity && this.through < Infinity) {
      this.readNext(pending, removed);
      time = this.queue.firstTime();
    }
    return time;
  }

  /**
   * Reads the next timers after `through` into the queue: up to limit/2 in all, as many from each key group (LMDB
   * orders a step's timers by key group, then time), through the earliest time at which a key group was cut off.
   * `pending` (timers registered since the last commit, not in LMDB yet) join if in range; `removed` (fired or
   * deleted since the last commit, still in LMDB) do not.
   */
  readNext(pending: ReadonlyMap<string, QueuedTimer>, removed: ReadonlyMap<string, unknown>): void {
    const { stepId } = this;
    const from = this.through;
    const perGroup = Math.max(1, Math.ceil(this.limit / 2 / this.keyGroups.length));
    let through = Infinity;
    const read: QueuedTimer[] = [];
    for (const kg of this.keyGroups) {
      let count = 0;
      let last = -Infinity;
      for (const { key: k, value } of this.db.getRange({ start: from === -Infinity ? [stepId, kg] : [stepId, kg, from + 1], end: [stepId, kg + 1] })) {
        const [, , time, key, namespace] = k as [string, number, number, string, string];
        // Cut after `perGroup` timers, but never between two at the same time: the key group is read through `last`.
        if (count >= perGroup && time !== last) {
          through = Math.min(through, last);
          break;
        }
        count++;
        last = time;
        read.push({
          id: timerId(stepId, kg, time, key, namespace),
          stepId,
          kg,
          key,
          time,
          namespace,
          registeredBy: registrant(value),
          removed: false,
          committed: true,
          stored: false,
        });
      }
    }
    for (const t of pending.values()) if (t.stepId === stepId && t.time > from && t.time <= through) this.queue.push(t);
    for (const t of read) if (t.time <= through && !pending.has(t.id) && !removed.has(t.id)) this.queue.push(t);
    this.through = through;
  }
}
