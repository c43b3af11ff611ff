/**
 * The timers of a slot that any worker thread may run: the committed timers are read from LMDB at each batch (the
 * slot's previous batch may have committed on another thread), the batch's own changes kept beside them until the
 * commit writes them (timer-changes.ts).
 */
import { leastRegistrant, registrant, timerId, TimerChanges, type DueTimer, type SlotTimers, type TimerEntry } from './timer-changes.js';
import { timerKey } from './keys.js';
import { byFiringOrder } from './timer-queue.js';

export class LmdbSlotTimers extends TimerChanges implements SlotTimers {
  /** Earliest added timer per step; absent when unknown (recomputed on demand). */
  private readonly addedMin = new Map<string, number>();
  /** Earliest committed timer per step, read at `begin` and after each `takeDue`. */
  private readonly committedMin = new Map<string, number>();

  begin(): void {
    this.added.clear();
    this.removed.clear();
    this.addedMin.clear();
    this.committedMin.clear();
    for (const stepId of this.steps) this.committedMin.set(stepId, this.firstCommitted(stepId, -Infinity));
  }

  register(stepId: string, kg: number, key: string, time: number, namespace: string, registeredBy: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    // Registered before: in this batch, or committed (unless this batch fired or deleted it, which disarmed it).
    const known = this.added.get(id)?.registeredBy ?? (this.removed.has(id) ? '' : registrant(this.timers.get(timerKey(stepId, kg, t, key, namespace))));
    this.added.set(id, { stepId, kg, key, time: t, namespace, registeredBy: leastRegistrant(known, registeredBy) });
    const min = this.addedMin.get(stepId);
    if (min !== undefined && t < min) this.addedMin.set(stepId, t);
  }

  delete(stepId: string, kg: number, key: string, time: number, namespace: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    if (this.added.delete(id)) this.addedMin.delete(stepId);
    this.removed.set(id, { stepId, kg, key, time: t, namespace, registeredBy: '', stored: true });
  }

  next(stepId: string): number {
    let added = this.addedMin.get(stepId);
    if (added === undefined) {
      added = Infinity;
      for (const t of this.added.values()) if (t.stepId === stepId && t.time < added) added = t.time;
      this.addedMin.set(stepId, added);
    }
    return Math.min(this.committedMin.get(stepId) ?? Infinity, added);
  }

  takeDue(stepId: string, upTo: number): DueTimer[] {
    if (this.next(stepId) > upTo) return [];
    const due = new Map<string, TimerEntry>();
    const stored = new Set<string>();
    const end = Math.floor(upTo) + 1;
    for (const kg of this.keyGroups) {
      for (const { key: k, value } of this.timers.getRange({ start: [stepId, kg], end: [stepId, kg, end] })) {
        const [, , time, key, namespace] = k as [string, number, number, string, string];
        const id = timerId(stepId, kg, time, key, namespace);
        if (this.removed.has(id)) continue;
        due.set(id, { stepId, kg, key, time, namespace, registeredBy: registrant(value) });
        stored.add(id);
      }
    }
    for (const [id, t] of this.added) if (t.stepId === stepId && t.time <= upTo) due.set(id, t);
    for (const [id, t] of due) {
      this.added.delete(id);
      // A timer added and fired in this batch was never written: nothing to delete, unless an earlier removal in
      // this batch already found it stored.
      const wasStored = stored.has(id) || this.removed.get(id)?.stored === true;
      this.removed.set(id, { stepId, kg: t.kg, key: t.key, time: t.time, namespace: t.namespace, registeredBy: t.registeredBy, stored: wasStored });
    }
    this.addedMin.delete(stepId);
    this.committedMin.set(stepId, this.firstCommitted(stepId, upTo));
    return [...due.values()].sort(byFiringOrder);
  }

  /**
   * The batch's changes are in LMDB now: they are let go (held until the next batch, they would keep the last batch
   * of every slot the thread ran in memory), and the earliest added timer joins the committed ones.
   */
  committed(): void {
    for (const t of this.added.values()) if (t.time < (this.committedMin.get(t.stepId) ?? Infinity)) this.committedMin.set(t.stepId, t.time);
    this.added.clear();
    this.removed.clear();
    this.addedMin.clear();
  }

  private firstCommitted(stepId: string, after: number): number {
    let min = Infinity;
    for (const kg of this.keyGroups) {
      const start = after === -Infinity ? [stepId, kg] : [stepId, kg, Math.floor(after) + 1];
      for (const k of this.timers.getKeys({ start, end: [stepId, kg + 1] })) {
        const [, , time, key, namespace] = k as [string, number, number, string, string];
        if (this.removed.has(timerId(stepId, kg, time, key, namespace))) continue;
        if (time < min) min = time;
        break;
      }
    }
    return min;
  }
}
