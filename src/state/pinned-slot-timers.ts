/**
 * The timers of a slot pinned to one worker thread: the earliest timers of each step live in memory (a queue per
 * step, timer-queue.ts, up to a bound: timer-window.ts), registered and fired there directly, so taking due timers
 * reads no LMDB and needs no sorting; later ones are read back from LMDB as the earlier ones fire. LMDB still gets
 * every change in the batch's transaction (timer-changes.ts); a thread whose batch fails drops the slot and reloads
 * it (slot-worker.ts).
 */
import type { Database } from 'lmdb';
import { timerKey } from './keys.js';
import { leastRegistrant, registrant, timerId, TimerChanges, type DueTimer, type SlotTimers } from './timer-changes.js';
import type { QueuedTimer } from './timer-queue.js';
import { DEFAULT_TIMERS_IN_MEMORY, TimerWindow } from './timer-window.js';

export class PinnedSlotTimers extends TimerChanges<QueuedTimer, QueuedTimer> implements SlotTimers {
  private windows: Map<string, TimerWindow> | null = null;

  constructor(
    timers: Database,
    keyGroups: readonly number[],
    steps: readonly string[],
    /** Timers of one step kept in memory (timer-window.ts). */
    private readonly inMemory = DEFAULT_TIMERS_IN_MEMORY,
  ) {
    super(timers, keyGroups, steps);
  }

  begin(): void {
    this.added.clear();
    this.removed.clear();
    this.windows ??= this.load();
  }

  register(stepId: string, kg: number, key: string, time: number, namespace: string, registeredBy: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    const window = this.windows!.get(stepId)!;
    if (!window.holds(t)) {
      this.added.set(id, this.registerLater(stepId, kg, key, t, namespace, id, registeredBy));
      return;
    }
    const entry = window.queue.add(id, { stepId, kg, key, time: t, namespace, registeredBy }, false);
    this.added.set(id, entry);
    window.bound();
  }

  delete(stepId: string, kg: number, key: string, time: number, namespace: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    const window = this.windows!.get(stepId)!;
    this.added.delete(id);
    if (!window.holds(t)) {
      // Not in memory: the commit deletes it from LMDB, where it may be.
      this.removed.set(id, { id, stepId, kg, key, time: t, namespace, registeredBy: '', removed: true, committed: true, stored: true });
      return;
    }
    const entry = window.queue.remove(id);
    if (entry?.committed) {
      entry.stored = true;
      this.removed.set(id, entry);
    }
  }

  next(stepId: string): number {
    return this.windows!.get(stepId)!.first(this.added, this.removed);
  }

  takeDue(stepId: string, upTo: number): DueTimer[] {
    const window = this.windows!.get(stepId)!;
    const queue = window.queue;
    const due: DueTimer[] = [];
    for (;;) {
      for (let t = queue.popDue(upTo); t !== null; t = queue.popDue(upTo)) {
        this.added.delete(t.id);
        // Committed before this batch: the commit deletes it. (One deleted and registered again in this batch is
        // in `removed` already, from its deletion.)
        if (t.committed) {
          t.stored = true;
          this.removed.set(t.id, t);
        }
        due.push(t);
      }
      // Timers left in memory are not due, nor are those after them; an empty queue may have more due in LMDB.
      if (queue.size > 0 || window.holds(upTo)) return due;
      window.readNext(this.added, this.removed);
    }
  }

  committed(): void {
    for (const entry of this.added.values()) entry.committed = true;
    this.added.clear();
    this.removed.clear();
  }

  /**
   * A timer due after the step's timers in memory: kept with the batch's changes until the commit writes it. Its
   * registrant is the least of this one and the one it was registered by before (in this batch, or as committed,
   * unless this batch fired or deleted it).
   */
  private registerLater(stepId: string, kg: number, key: string, time: number, namespace: string, id: string, registeredBy: string): QueuedTimer {
    const pending = this.added.get(id);
    if (pending) {
      pending.registeredBy = leastRegistrant(pending.registeredBy, registeredBy);
      return pending;
    }
    const stored = this.removed.has(id) ? undefined : this.timers.get(timerKey(stepId, kg, time, key, namespace));
    return {
      id,
      stepId,
      kg,
      key,
      time,
      namespace,
      registeredBy: leastRegistrant(registrant(stored), registeredBy),
      removed: false,
      committed: stored !== undefined,
      stored: false,
    };
  }

  private load(): Map<string, TimerWindow> {
    const windows = new Map<string, TimerWindow>();
    for (const stepId of this.steps) {
      const window = new TimerWindow(this.timers, stepId, this.keyGroups, this.inMemory);
      window.readNext(this.added, this.removed);
      windows.set(stepId, window);
    }
    return windows;
  }

  /** Timers the steps' queues hold: what stays in memory between batches. */
  queuedCount(): number {
    let count = 0;
    for (const window of this.windows?.values() ?? []) count += window.queue.size;
    return count;
  }
}
