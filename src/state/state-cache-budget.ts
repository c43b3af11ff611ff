/**
 * The budget of the state that pinned slots keep in memory between batches, per worker thread, in estimated bytes
 * (value-size.ts). A thread hosts many slots (every keyed stage's share of them), so the budget covers them all. A
 * slot that begins a batch while the thread is past its budget evicts the least recently used clean states of every
 * slot of the thread, down to LOW_WATER of the budget, so that evictions (one pass over the cache) are rare. A state
 * changed since its slot's last commit is never evicted (LMDB does not have it yet); a slot whose batch ends with
 * the thread past its budget commits (`cacheFull`), so that the next batch can evict what it changed.
 */
import type { StateTable } from './state-table.js';

/** What the budget needs of a cached value or map. */
export interface BudgetedCell {
  /** Estimated heap bytes, as of the last read or commit. */
  bytes: number;
  /** The thread's batch count when the cell was last looked up. */
  lastUsed: number;
  /** True (or a count of changed entries, for a map) while it holds changes not committed yet. */
  dirty: boolean | number;
}

/** The default budget: 256 MiB of estimated state per worker thread. */
export const DEFAULT_STATE_CACHE_BYTES = 256 * 2 ** 20;
/** After an eviction the cache holds at most this share of its budget. */
const LOW_WATER = 0.8;

const thread = {
  bytes: 0,
  budget: DEFAULT_STATE_CACHE_BYTES,
  /** Counts the batches begun by pinned slots on this thread: the clock of `lastUsed`. */
  tick: 0,
  /** The cache tables of each pinned slot with something cached on this thread. */
  slots: new Set<ReadonlyArray<Map<string, StateTable<BudgetedCell>>>>(),
};

/** Sets this thread's budget (the worker does, from the run's options). */
export function setStateCacheBudget(bytes: number): void {
  thread.budget = bytes;
}

/** Estimated bytes cached on this thread. */
export function cachedStateBytes(): number {
  return thread.bytes;
}

export function stateCacheFull(): boolean {
  return thread.bytes > thread.budget;
}

/** Counts bytes into (or, negative, out of) the thread's cache. */
export function countCachedBytes(bytes: number): void {
  thread.bytes += bytes;
}

/** The current batch tick, to stamp a cell looked up now. */
export function cacheTick(): number {
  return thread.tick;
}

/**
 * A pinned slot begins a batch: its tables join the thread's cache, and if the thread is past its budget the least
 * recently used clean cells of all its slots are evicted. Runs only between batches, when no state handle holds a
 * cell past the batch it was looked up in.
 */
export function beginCachedBatch(tables: ReadonlyArray<Map<string, StateTable<BudgetedCell>>>): void {
  thread.slots.add(tables);
  if (thread.bytes > thread.budget) evictLeastRecentlyUsed(thread.budget * LOW_WATER);
  thread.tick++;
}

/** A slot forgets its cache: its tables leave the thread's cache, and the bytes they held are given back. */
export function dropCachedTables(tables: ReadonlyArray<Map<string, StateTable<BudgetedCell>>>): void {
  for (const t of tablesOf([tables])) {
    for (const cell of t.byKey.values()) thread.bytes -= cell.bytes;
    t.byKey.clear();
  }
  thread.slots.delete(tables);
}

function* tablesOf(slots: Iterable<ReadonlyArray<Map<string, StateTable<BudgetedCell>>>>): Generator<StateTable<BudgetedCell>> {
  for (const kinds of slots) for (const tables of kinds) yield* tables.values();
}

/** Evicts clean cells, oldest use first, until the thread holds at most `target` bytes (or only dirty cells). */
function evictLeastRecentlyUsed(target: number): void {
  const cleanBytesByTick = new Map<number, number>();
  for (const t of tablesOf(thread.slots)) {
    for (const cell of t.byKey.values()) if (!cell.dirty) cleanBytesByTick.set(cell.lastUsed, (cleanBytesByTick.get(cell.lastUsed) ?? 0) + cell.bytes);
  }
  // The newest tick whose cells, with every older one, free enough.
  let excess = thread.bytes - target;
  let newestEvicted = -1;
  for (const tick of [...cleanBytesByTick.keys()].sort((a, b) => a - b)) {
    if (excess <= 0) break;
    newestEvicted = tick;
    excess -= cleanBytesByTick.get(tick)!;
  }
  for (const t of tablesOf(thread.slots)) {
    for (const [key, cell] of t.byKey) {
      if (cell.dirty || cell.lastUsed > newestEvicted) continue;
      t.byKey.delete(key);
      thread.bytes -= cell.bytes;
    }
  }
}
