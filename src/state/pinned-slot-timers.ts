/**
 * The timers of a slot pinned to one worker thread: every timer of the slot lives in memory (a queue per step,
 * timer-queue.ts, loaded from LMDB at the slot's first batch), registered and fired there directly, so taking due
 * timers reads no LMDB and needs no sorting. LMDB still gets every change in the batch's transaction
 * (timer-changes.ts); a thread whose batch fails drops the slot and reloads it (slot-worker.ts).
 */
import { registrant, timerId, TimerChanges, type DueTimer, type SlotTimers } from './timer-changes.js';
import { TimerQueue, type QueuedTimer } from './timer-queue.js';

export class PinnedSlotTimers extends TimerChanges<QueuedTimer, QueuedTimer> implements SlotTimers {
  private queues: Map<string, TimerQueue> | null = null;

  begin(): void {
    this.added.clear();
    this.removed.clear();
    this.queues ??= this.load();
  }

  register(stepId: string, kg: number, key: string, time: number, namespace: string, registeredBy: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    const entry = this.queues!.get(stepId)!.add(id, { stepId, kg, key, time: t, namespace, registeredBy }, false);
    this.added.set(id, entry);
  }

  delete(stepId: string, kg: number, key: string, time: number, namespace: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    const entry = this.queues!.get(stepId)!.remove(id);
    this.added.delete(id);
    if (entry?.committed) {
      entry.stored = true;
      this.removed.set(id, entry);
    }
  }

  next(stepId: string): number {
    return this.queues!.get(stepId)!.firstTime();
  }

  takeDue(stepId: string, upTo: number): DueTimer[] {
    const queue = this.queues!.get(stepId)!;
    const due: DueTimer[] = [];
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
    return due;
  }

  committed(): void {
    for (const entry of this.added.values()) entry.committed = true;
    this.added.clear();
    this.removed.clear();
  }

  private load(): Map<string, TimerQueue> {
    const queues = new Map<string, TimerQueue>();
    for (const stepId of this.steps) {
      const queue = new TimerQueue();
      for (const kg of this.keyGroups) {
        for (const { key: k, value } of this.timers.getRange({ start: [stepId, kg], end: [stepId, kg + 1] })) {
          const [, , time, key, namespace] = k as [string, number, number, string, string];
          queue.add(timerId(stepId, kg, time, key, namespace), { stepId, kg, key, time, namespace, registeredBy: registrant(value) }, true);
        }
      }
      queues.set(stepId, queue);
    }
    return queues;
  }
}
