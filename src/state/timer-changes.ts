/**
 * What every kind of slot timers shares: the timer types, the `SlotTimers` contract the slot batch uses, and the
 * batch's timer changes (added, removed) with how they are written in the batch's LMDB transaction, so a restart
 * finds exactly the committed timers. Two kinds: lmdb-slot-timers.ts reads the committed timers from LMDB at each
 * batch (a slot any thread may run), pinned-slot-timers.ts keeps them in memory (a slot pinned to one thread).
 */
import type { Database } from 'lmdb';
import { timerKey } from './keys.js';

export interface DueTimer {
  kg: number;
  key: string;
  time: number;
  namespace: string;
  /**
   * The least id of what registered the timer since it was armed (records, or timers that fired; see
   * leastRegistrant): part of the cause of what the timer emits, so a timer registered again after it fired emits
   * under new ids.
   */
  registeredBy: string;
}

export interface TimerEntry extends DueTimer {
  stepId: string;
}

/** A timer removed in this batch; `stored` when it may be in LMDB, so the commit deletes it there. */
export interface RemovedTimer extends TimerEntry {
  stored: boolean;
}

/** The event-time timers of one slot while one batch runs. */
export interface SlotTimers {
  /** Starts a batch (the state's read snapshot has just been renewed). */
  begin(): void;
  register(stepId: string, kg: number, key: string, time: number, namespace: string, registeredBy: string): void;
  delete(stepId: string, kg: number, key: string, time: number, namespace: string): void;
  /** The earliest timer of a step in this slot (committed or added in this batch), or Infinity. */
  next(stepId: string): number;
  /** Removes and returns, in (time, key group, key, namespace) order, the timers of a step due at `upTo`. */
  takeDue(stepId: string, upTo: number): DueTimer[];
  /** Writes the batch's timer changes; runs inside the batch's transaction. */
  write(): void;
  /** After the transaction committed. */
  committed(): void;
}

const SEP = '\u0000';
export const timerId = (stepId: string, kg: number, time: number, key: string, ns: string): string =>
  `${stepId}${SEP}${kg}${SEP}${time}${SEP}${key}${SEP}${ns}`;

/** State written before timers kept who registered them holds 1 there. */
export const registrant = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Who a timer registered again before it fired counts as registered by: the least of the ids that registered it
 * ('' when unknown). A keyed stage fed by other keyed stages takes their records in an order that depends on thread
 * timing, while the records that register a timer before it fires are the same in every run; keeping the last
 * registrant made the timer's output ids differ between runs of the same input, the least does not.
 */
export const leastRegistrant = (known: string, registeredBy: string): string => (known !== '' && known < registeredBy ? known : registeredBy);

export abstract class TimerChanges<Added extends TimerEntry = TimerEntry, Removed extends RemovedTimer = RemovedTimer> {
  protected readonly added = new Map<string, Added>();
  protected readonly removed = new Map<string, Removed>();

  constructor(
    protected readonly timers: Database,
    /** The slot's key groups and the steps that can hold timers. */
    protected readonly keyGroups: readonly number[],
    protected readonly steps: readonly string[],
  ) {}

  write(): void {
    for (const t of this.removed.values()) if (t.stored) this.timers.removeSync(timerKey(t.stepId, t.kg, t.time, t.key, t.namespace));
    for (const t of this.added.values()) this.timers.putSync(timerKey(t.stepId, t.kg, t.time, t.key, t.namespace), t.registeredBy);
  }
}
