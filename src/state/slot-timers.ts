/**
 * The event-time timers of one slot while one batch runs: timers registered and deleted in the batch, on top of the
 * committed ones, which are either read from LMDB at each batch (a slot that may run on any thread) or kept in
 * memory between batches (a pinned slot, the only writer of its key groups: timer-queue.ts). Either way every
 * change is written to LMDB in the batch's transaction (`write`), so a restart finds exactly the committed timers.
 */
import type { Database } from 'lmdb';
import { timerKey } from './keys.js';
import { byFiringOrder, TimerQueue } from './timer-queue.js';

export interface DueTimer {
  kg: number;
  key: string;
  time: number;
  namespace: string;
  /**
   * The id of what registered the timer last (a record, or a timer that fired): part of the cause of what the timer
   * emits, so a timer registered again after it fired emits under new ids.
   */
  registeredBy: string;
}

interface TimerEntry extends DueTimer {
  stepId: string;
}

/** A timer removed in this batch; `stored` when it may be in LMDB, so the commit deletes it there. */
interface RemovedTimer extends TimerEntry {
  stored: boolean;
}

const SEP = '\u0000';
const timerId = (stepId: string, kg: number, time: number, key: string, ns: string) => `${stepId}${SEP}${kg}${SEP}${time}${SEP}${key}${SEP}${ns}`;

export class SlotTimers {
  private readonly added = new Map<string, TimerEntry>();
  private readonly removed = new Map<string, RemovedTimer>();
  /** Earliest added timer per step; absent when unknown (recomputed on demand). */
  private readonly addedMin = new Map<string, number>();
  /** Earliest committed timer per step, read from LMDB at `begin` (slots without `queues`). */
  private readonly committedMin = new Map<string, number>();
  /** The committed timers per step, in memory (pinned slots); loaded at the first batch. */
  private queues: Map<string, TimerQueue> | null = null;

  constructor(
    private readonly timers: Database,
    private readonly keyGroups: readonly number[],
    private readonly steps: readonly string[],
    private readonly inMemory: boolean,
  ) {}

  /** Starts a batch (the state's read snapshot has just been renewed). */
  begin(): void {
    this.added.clear();
    this.removed.clear();
    this.addedMin.clear();
    this.committedMin.clear();
    if (this.inMemory) this.queues ??= this.loadQueues();
    else for (const stepId of this.steps) this.committedMin.set(stepId, this.firstCommitted(stepId, -Infinity));
  }

  register(stepId: string, kg: number, key: string, time: number, namespace: string, registeredBy: string): void {
    const t = Math.floor(time);
    this.added.set(timerId(stepId, kg, t, key, namespace), { stepId, kg, key, time: t, namespace, registeredBy });
    const min = this.addedMin.get(stepId);
    if (min !== undefined && t < min) this.addedMin.set(stepId, t);
  }

  delete(stepId: string, kg: number, key: string, time: number, namespace: string): void {
    const t = Math.floor(time);
    const id = timerId(stepId, kg, t, key, namespace);
    if (this.added.delete(id)) this.addedMin.delete(stepId);
    this.removed.set(id, { stepId, kg, key, time: t, namespace, registeredBy: '', stored: true });
  }

  /** The earliest timer of a step in this slot (committed or added in this batch), or Infinity. */
  next(stepId: string): number {
    let added = this.addedMin.get(stepId);
    if (added === undefined) {
      added = Infinity;
      for (const t of this.added.values()) if (t.stepId === stepId && t.time < added) added = t.time;
      this.addedMin.set(stepId, added);
    }
    const committed = this.queues ? this.queues.get(stepId)!.firstTime() : (this.committedMin.get(stepId) ?? Infinity);
    return Math.min(committed, added);
  }

  /** Removes and returns, in (time, key group, key, namespace) order, the timers of a step due at `upTo`. */
  takeDue(stepId: string, upTo: number): DueTimer[] {
    if (this.next(stepId) > upTo) return [];
    const due = new Map<string, TimerEntry>();
    const stored = new Set<string>();
    const queue = this.queues?.get(stepId);
    if (queue) {
      for (let t = queue.popDue(upTo); t !== null; t = queue.popDue(upTo)) {
        if (this.removed.has(t.id)) continue;
        due.set(t.id, { stepId, kg: t.kg, key: t.key, time: t.time, namespace: t.namespace, registeredBy: t.registeredBy });
        stored.add(t.id);
      }
    } else {
      this.readDue(stepId, upTo, due, stored);
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
    if (!queue) this.committedMin.set(stepId, this.firstCommitted(stepId, upTo));
    return [...due.values()].sort(byFiringOrder);
  }

  /** Writes the batch's timer changes; runs inside the batch's transaction. */
  write(): void {
    for (const t of this.removed.values()) if (t.stored) this.timers.removeSync(timerKey(t.stepId, t.kg, t.time, t.key, t.namespace));
    for (const t of this.added.values()) this.timers.putSync(timerKey(t.stepId, t.kg, t.time, t.key, t.namespace), t.registeredBy);
  }

  /** After the transaction committed: the in-memory queues take the batch's changes, in the order LMDB did. */
  committed(): void {
    if (!this.queues) return;
    for (const [id, t] of this.removed) this.queues.get(t.stepId)!.remove(id);
    for (const [id, t] of this.added) this.queues.get(t.stepId)!.add(id, t);
  }

  private loadQueues(): Map<string, TimerQueue> {
    const queues = new Map<string, TimerQueue>();
    for (const stepId of this.steps) {
      const queue = new TimerQueue();
      for (const kg of this.keyGroups) {
        for (const { key: k, value } of this.timers.getRange({ start: [stepId, kg], end: [stepId, kg + 1] })) {
          const [, , time, key, namespace] = k as [string, number, number, string, string];
          queue.add(timerId(stepId, kg, time, key, namespace), { kg, key, time, namespace, registeredBy: registrant(value) });
        }
      }
      queues.set(stepId, queue);
    }
    return queues;
  }

  private readDue(stepId: string, upTo: number, due: Map<string, TimerEntry>, stored: Set<string>): void {
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

/** State written before timers kept who registered them holds 1 there. */
const registrant = (value: unknown): string => (typeof value === 'string' ? value : '');
