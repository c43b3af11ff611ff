/**
 * The timers of one step in one pinned slot held in memory between batches (a pinned slot is the only writer of its
 * key groups, so this copy stays exact; timer-window.ts decides which of them): a priority queue in firing order with
 * an index by timer id. Removal is lazy: a removed timer stays in the heap, marked, until it reaches the front.
 */
import TinyQueue from 'tinyqueue';
import { leastRegistrant, type DueTimer, type TimerEntry } from './timer-changes.js';

export interface QueuedTimer extends TimerEntry {
  id: string;
  /** Taken out of the queue (lazily: it stays in the heap until it reaches the front). */
  removed: boolean;
  /** In LMDB as of the last commit. */
  committed: boolean;
  /** Set when the batch that takes it out must delete it from LMDB (it was committed). */
  stored: boolean;
}

/** (time, key group, key, namespace) order: the order timers fire in. */
export function byFiringOrder(a: DueTimer, b: DueTimer): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.kg !== b.kg) return a.kg - b.kg;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

export class TimerQueue {
  private readonly byId = new Map<string, QueuedTimer>();
  private heap = new TinyQueue<QueuedTimer>([], byFiringOrder);

  /** Timers queued (not counting removed ones still in the heap). */
  get size(): number {
    return this.byId.size;
  }

  /** Queues a timer, or keeps the least of its registrants if it is queued already; returns the queued entry. */
  add(id: string, timer: TimerEntry, committed: boolean): QueuedTimer {
    const queued = this.byId.get(id);
    if (queued) {
      queued.registeredBy = leastRegistrant(queued.registeredBy, timer.registeredBy);
      return queued;
    }
    const entry: QueuedTimer = {
      id,
      stepId: timer.stepId,
      kg: timer.kg,
      key: timer.key,
      time: timer.time,
      namespace: timer.namespace,
      registeredBy: timer.registeredBy,
      removed: false,
      committed,
      stored: false,
    };
    this.byId.set(id, entry);
    this.heap.push(entry);
    return entry;
  }

  /** Queues an entry read back from LMDB or kept by the batch (the same object: its flags are the batch's). */
  push(entry: QueuedTimer): void {
    if (this.byId.has(entry.id)) return;
    this.byId.set(entry.id, entry);
    this.heap.push(entry);
  }

  /**
   * Keeps the `count` earliest timers, and any due at the same time as the last of them; lets the others go.
   * Returns the time through which every timer is kept.
   */
  keepEarliest(count: number): number {
    const live = this.heap.data.filter((t) => !t.removed).sort(byFiringOrder);
    let end = Math.min(count, live.length);
    const through = end > 0 ? live[end - 1]!.time : -Infinity;
    while (end < live.length && live[end]!.time === through) end++;
    for (let i = end; i < live.length; i++) this.byId.delete(live[i]!.id);
    // A sorted array is a heap already.
    this.heap = new TinyQueue(live.slice(0, end), byFiringOrder);
    return through;
  }

  /** Takes a timer out; returns it, or undefined if it was not queued. */
  remove(id: string): QueuedTimer | undefined {
    const queued = this.byId.get(id);
    if (!queued) return undefined;
    queued.removed = true;
    this.byId.delete(id);
    return queued;
  }

  /** The earliest queued time, or Infinity. */
  firstTime(): number {
    this.dropRemovedTop();
    return this.heap.peek()?.time ?? Infinity;
  }

  /** Removes and returns the earliest timer if it is due at `upTo`, else null. */
  popDue(upTo: number): QueuedTimer | null {
    this.dropRemovedTop();
    const top = this.heap.peek();
    if (top === undefined || top.time > upTo) return null;
    this.heap.pop();
    this.byId.delete(top.id);
    return top;
  }

  private dropRemovedTop(): void {
    while (this.heap.length > 0 && this.heap.peek()!.removed) this.heap.pop();
  }
}
