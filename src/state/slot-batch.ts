/**
 * The state of one slot between two commits: a write-back cache over LMDB for value and map state, the slot's
 * event-time timers, the outputs and forwarded records, and the source frontier. Reads see the committed state plus
 * every write since; `commit()` writes everything in ONE LMDB transaction, so what the slot applied since its last
 * commit is stored entirely or not at all. A slot any thread may run commits after each batch; a slot pinned to one
 * thread may apply several batches between two commits (`runtime.commitInterval`), so a key changed by each of them
 * is written once. Forwarded records are stored as chunks (forward-chunks.ts).
 */
import type { StateDatabases } from './backend.js';
import type { ChunkId } from '../runtime/record-columns.js';
import { chunkForwards, ForwardConsumption, type ForwardChunk, type ForwardRecord, type StoredForwardChunk } from './forward-chunks.js';
import { appliedKey, clockKey, isExpired, mapEntryKey, mapPrefix, mapRangeEnd, valueKey, type StateKey, type StoredValue } from './keys.js';
import { LmdbSlotTimers } from './lmdb-slot-timers.js';
import { writeOutboxChunk } from './outbox-chunks.js';
import type { OutboxChunk } from './outbox-chunk.js';
import { PinnedSlotTimers } from './pinned-slot-timers.js';
import { beginCachedBatch, cacheTick, countCachedBytes, dropCachedTables, stateCacheFull, type BudgetedCell } from './state-cache-budget.js';
import type { StateTable } from './state-table.js';
import type { SlotTimers } from './timer-changes.js';
import { estimateBytes } from './value-size.js';

export interface CachedValue extends BudgetedCell {
  key: StateKey;
  stored: StoredValue | undefined;
  dirty: boolean;
  /** Whether LMDB holds the value as of the last commit: clearing one it does not hold writes nothing. */
  inStore: boolean;
}

interface CachedEntry {
  stored: StoredValue | undefined;
  dirty: boolean;
  /** Whether LMDB may hold the entry as of the last commit (true when unknown). */
  inStore: boolean;
  /** Estimated heap bytes of the entry, part of its map's `bytes`. */
  bytes: number;
}

export interface CachedMap extends BudgetedCell {
  stepId: string;
  kg: number;
  key: string;
  name: string;
  complete: boolean;
  entries: Map<string, CachedEntry>;
  /** How many entries hold changes not committed yet. */
  dirty: number;
}

export interface OutboxRecord {
  sink: string;
  id: string;
  key: string | null;
  value: unknown;
  timestamp: number;
  headers?: Record<string, string>;
}

/**
 * Estimated heap bytes of a cached cell beside its value: the cell object, its LMDB key (an array naming step, key
 * group, key and state) and its place in the table's Map. A map entry costs its object, name and Map slot.
 */
const VALUE_CELL_BYTES = 200;
const MAP_CELL_BYTES = 160;
const MAP_ENTRY_BYTES = 120;
const valueBytes = (key: string, stored: StoredValue | undefined) => VALUE_CELL_BYTES + 2 * key.length + estimateBytes(stored);
const entryBytes = (entryName: string, stored: StoredValue | undefined) => MAP_ENTRY_BYTES + 2 * entryName.length + estimateBytes(stored);

const tableId = (stepId: string, name: string) => `${stepId}\u0000${name}`;

export class SlotBatch {
  watermark = -Infinity;
  /** Counts the batches begun: what a state handle keeps of the cache is valid only in the batch it was taken in. */
  number = 0;
  private readonly valueTables = new Map<string, StateTable<CachedValue>>();
  private readonly mapTables = new Map<string, StateTable<CachedMap>>();
  /** The tables a pinned slot's cache is counted in (state-cache-budget.ts). */
  private readonly cacheTables = [this.valueTables, this.mapTables];
  private dirtyValues: CachedValue[] = [];
  private dirtyEntries: Array<[CachedMap, string, CachedEntry]> = [];
  private outputs: OutboxRecord[] = [];
  private outputChunk: OutboxChunk | null = null;
  private forwards: ForwardRecord[] = [];
  private forwardChunks: ForwardChunk[] = [];
  private readonly consumed = new ForwardConsumption();
  private frontier: ReadonlyArray<readonly [string, number, number]> = [];
  private applied = new Map<string, number>();
  /** True from a batch's begin() until the commit that stores what it (and later batches) changed. */
  private open = false;
  /** The slot's event-time timers (register, delete, next, takeDue). */
  readonly timers: SlotTimers;

  /**
   * With `keepCache` (a slot pinned to one thread) cached state stays valid between batches, since only this slot
   * writes its key groups, within the thread's budget (state-cache-budget.ts). Timers are then kept in memory.
   * Without it the cache lives for one batch and is dropped after its commit.
   */
  constructor(
    private readonly dbs: StateDatabases,
    readonly stage: number,
    readonly slot: number,
    keyGroups: readonly number[],
    timerSteps: readonly string[],
    private readonly keepCache = false,
  ) {
    this.timers = keepCache ? new PinnedSlotTimers(dbs.timers, keyGroups, timerSteps) : new LmdbSlotTimers(dbs.timers, keyGroups, timerSteps);
  }

  /**
   * Starts a batch: a fresh read snapshot (the slot's previous batch may have committed on another thread). After a
   * commit, the changes, outputs and forwards start empty. A pinned slot's batch after one that did not commit adds
   * to them; for a slot any thread may run, a batch not committed failed, and nothing of it is kept.
   */
  begin(): void {
    this.number++;
    this.dbs.env.resetReadTxn();
    if (this.keepCache) beginCachedBatch(this.cacheTables);
    if (!this.open || !this.keepCache) {
      if (!this.keepCache) this.dropCache();
      this.dirtyValues = [];
      this.dirtyEntries = [];
      this.outputs = [];
      this.outputChunk = null;
      this.forwards = [];
      this.forwardChunks = [];
      this.consumed.clear();
      this.frontier = [];
      this.timers.begin();
      this.open = true;
    }
    this.applied.clear();
    for (const { key, value } of this.dbs.progress.getRange({ start: ['applied', this.stage, this.slot], end: ['applied', this.stage, this.slot + 1] })) {
      this.applied.set((key as StateKey)[3] as string, value as number);
    }
  }

  /**
   * True when the thread's cache is past its budget: the slot must commit, so that the next batch can evict what it
   * changed.
   */
  get cacheFull(): boolean {
    return this.keepCache && stateCacheFull();
  }

  /** Forgets every cached value and map (and gives the thread's cache budget back). */
  dropCache(): void {
    if (this.keepCache) dropCachedTables(this.cacheTables);
    else for (const tables of this.cacheTables) for (const t of tables.values()) t.byKey.clear();
  }

  /**
   * After a commit, once its outputs and forward chunks are taken: forgets them, and what the commit wrote. A slot any
   * thread may run forgets its cache too: kept until its next batch on this thread, the last batch's state of every
   * slot the thread ever ran would stay in memory.
   */
  release(): void {
    if (this.open) return;
    this.outputs = [];
    this.outputChunk = null;
    this.forwardChunks = [];
    if (!this.keepCache) this.dropCache();
  }

  /** The last offset of a source partition this slot has applied (-1 when none). */
  appliedOffset(partitionId: string): number {
    return this.applied.get(partitionId) ?? -1;
  }

  /** The table of the value states named `name` of a step: the same object for the slot's lifetime. */
  valueTable(stepId: string, name: string): StateTable<CachedValue> {
    return tableFor(this.valueTables, stepId, name);
  }

  /** The cached value state of a key in a table, to pass to the value* methods below. */
  value(table: StateTable<CachedValue>, kg: number, key: string): CachedValue {
    let entry = table.byKey.get(key);
    if (!entry) {
      const k = valueKey(table.stepId, kg, key, table.name);
      const stored = this.dbs.state.get(k) as StoredValue | undefined;
      entry = { key: k, stored, dirty: false, inStore: stored !== undefined, bytes: this.keepCache ? valueBytes(key, stored) : 0, lastUsed: 0 };
      table.byKey.set(key, entry);
      countCachedBytes(entry.bytes);
    }
    entry.lastUsed = cacheTick();
    return entry;
  }

  valueGet(cell: CachedValue): unknown {
    const stored = cell.stored;
    return stored === undefined || isExpired(stored, this.watermark) ? undefined : stored[0];
  }

  valueSet(cell: CachedValue, value: unknown, expiresAt?: number): void {
    this.writeValue(cell, expiresAt === undefined ? [value] : [value, expiresAt]);
  }

  valueClear(cell: CachedValue): void {
    this.writeValue(cell, undefined);
  }

  private writeValue(entry: CachedValue, stored: StoredValue | undefined): void {
    entry.stored = stored;
    if (!entry.dirty) {
      entry.dirty = true;
      this.dirtyValues.push(entry);
    }
  }

  private writeEntry(map: CachedMap, entryName: string, stored: StoredValue | undefined): void {
    let entry = map.entries.get(entryName);
    // An entry never read of a map not read whole may be in LMDB.
    if (!entry) entry = this.cacheEntry(map, entryName, stored, !map.complete);
    entry.stored = stored;
    if (!entry.dirty) {
      entry.dirty = true;
      map.dirty++;
      this.dirtyEntries.push([map, entryName, entry]);
    }
  }

  /** The table of the map states named `name` of a step: the same object for the slot's lifetime. */
  mapTable(stepId: string, name: string): StateTable<CachedMap> {
    return tableFor(this.mapTables, stepId, name);
  }

  /** The cached map state of a key in a table, to pass to the map* methods below. */
  map(table: StateTable<CachedMap>, kg: number, key: string): CachedMap {
    let map = table.byKey.get(key);
    if (!map) {
      map = {
        stepId: table.stepId,
        kg,
        key,
        name: table.name,
        complete: false,
        entries: new Map(),
        dirty: 0,
        bytes: this.keepCache ? MAP_CELL_BYTES + 2 * key.length : 0,
        lastUsed: 0,
      };
      table.byKey.set(key, map);
      countCachedBytes(map.bytes);
    }
    map.lastUsed = cacheTick();
    return map;
  }

  mapGet(map: CachedMap, entryName: string): unknown {
    let entry = map.entries.get(entryName);
    if (!entry && !map.complete && this.keepCache) {
      // A cache that outlives the batch reads the whole map once: later misses (new entries) then cost no lookup.
      this.loadMap(map);
      entry = map.entries.get(entryName);
      if (!entry) return undefined;
    }
    if (!entry) {
      const stored = map.complete ? undefined : (this.dbs.state.get(mapEntryKey(map.stepId, map.kg, map.key, map.name, entryName)) as StoredValue | undefined);
      entry = this.cacheEntry(map, entryName, stored, stored !== undefined);
    }
    return entry.stored === undefined || isExpired(entry.stored, this.watermark) ? undefined : entry.stored[0];
  }

  mapSet(map: CachedMap, entryName: string, value: unknown, expiresAt?: number): void {
    this.writeEntry(map, entryName, expiresAt === undefined ? [value] : [value, expiresAt]);
  }

  mapDelete(map: CachedMap, entryName: string): void {
    this.writeEntry(map, entryName, undefined);
  }

  mapEntries(map: CachedMap): Array<[string, unknown]> {
    if (!map.complete) this.loadMap(map);
    const live: Array<[string, unknown]> = [];
    for (const [entryName, { stored }] of map.entries) {
      if (stored !== undefined && !isExpired(stored, this.watermark)) live.push([entryName, stored[0]]);
    }
    return live.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  addOutput(record: OutboxRecord): void {
    this.outputs.push(record);
  }

  addForward(record: ForwardRecord): void {
    this.forwards.push(record);
  }

  /** Marks a forward chunk as applied: this batch's transaction deletes it. */
  consumeForwards(stage: number, chunkId: ChunkId): void {
    this.consumed.add(stage, chunkId);
  }

  /** Per source partition: the last offset routed, and the partition's watermark there (see recovery.ts). */
  setFrontier(frontier: ReadonlyArray<readonly [string, number, number]>): void {
    this.frontier = frontier;
  }

  get pendingOutputs(): readonly OutboxRecord[] {
    return this.outputs;
  }

  /** The outbox chunk the last commit stored (null when it had no outputs), until release(). */
  get committedOutputs(): OutboxChunk | null {
    return this.outputChunk;
  }

  /** The batch's forwards as chunks, one per (stage, slot), in emission order: what the commit writes. */
  get pendingForwardChunks(): readonly ForwardChunk[] {
    return this.forwardChunks;
  }

  /** Writes every change since the last commit, the outputs, the forwards and the frontier in one transaction. */
  commit(): void {
    this.dbs.env.transactionSync(() => this.writeChanges());
    this.committed();
  }

  /**
   * Writes every change since the last commit, the outputs, the forwards and the frontier: inside a transaction the
   * caller opened, which may hold other slots' changes too (an executor commits all its slots in one); `committed()`
   * once it has.
   */
  writeChanges(): void {
    const { state, progress, outbox, forward } = this.dbs;
    for (const v of this.dirtyValues) {
      if (v.stored !== undefined) state.putSync(v.key, v.stored);
      else if (v.inStore) state.removeSync(v.key);
      v.inStore = v.stored !== undefined;
      v.dirty = false;
      if (this.keepCache) v.bytes = this.resized(v.bytes, valueBytes(v.key[2] as string, v.stored));
    }
    for (const [m, entryName, e] of this.dirtyEntries) {
      if (e.stored !== undefined) state.putSync(mapEntryKey(m.stepId, m.kg, m.key, m.name, entryName), e.stored);
      else if (e.inStore) state.removeSync(mapEntryKey(m.stepId, m.kg, m.key, m.name, entryName));
      e.inStore = e.stored !== undefined;
      e.dirty = false;
      m.dirty--;
      // In a complete map an absent entry needs no marker.
      if (e.stored === undefined && m.complete && m.entries.delete(entryName)) m.bytes = this.resized(m.bytes, m.bytes - e.bytes);
      else if (this.keepCache) m.bytes = this.resized(m.bytes, m.bytes - e.bytes + (e.bytes = entryBytes(entryName, e.stored)));
    }
    this.timers.write();
    for (const [pid, offset, watermark] of this.frontier) {
      if (offset <= this.appliedOffset(pid)) continue;
      progress.putSync(appliedKey(this.stage, this.slot, pid), offset);
      if (watermark > -Infinity) progress.putSync(clockKey(this.stage, this.slot, pid), watermark);
    }
    this.outputChunk = writeOutboxChunk(
      outbox,
      this.stage,
      this.slot,
      this.outputs.map((o) => [o.sink, o.id, o.key, o.value, o.timestamp, o.headers ?? null]),
    );
    // Inside the transaction: a chunk's sequence number comes from what is stored now, not from a read snapshot.
    this.forwardChunks = chunkForwards(this.forwards, forward, this.stage, this.slot);
    for (const c of this.forwardChunks) forward.putSync([c.stage, ...c.chunkId], [c.length, c.records] satisfies StoredForwardChunk);
    this.consumed.write(forward);
  }

  /** After the transaction holding `writeChanges()` committed: the next interval starts empty. */
  committed(): void {
    this.timers.committed();
    this.open = false;
    this.dirtyValues = [];
    this.dirtyEntries = [];
    this.forwards = [];
    this.consumed.clear();
    this.frontier = [];
  }

  /** Reads a map's stored entries into its cache (keeping what this batch wrote): the cache is then complete. */
  private loadMap(map: CachedMap): void {
    const { stepId, kg, key, name } = map;
    for (const { key: k, value } of this.dbs.state.getRange({ start: mapPrefix(stepId, kg, key, name), end: mapRangeEnd(stepId, kg, key, name) })) {
      const entryName = (k as StateKey)[5] as string;
      if (!map.entries.has(entryName)) this.cacheEntry(map, entryName, value as StoredValue, true);
    }
    map.complete = true;
  }

  private cacheEntry(map: CachedMap, entryName: string, stored: StoredValue | undefined, inStore: boolean): CachedEntry {
    const entry: CachedEntry = { stored, dirty: false, inStore, bytes: this.keepCache ? entryBytes(entryName, stored) : 0 };
    map.entries.set(entryName, entry);
    map.bytes += entry.bytes;
    countCachedBytes(entry.bytes);
    return entry;
  }

  /** Counts a cell's new estimate in the thread's cache; returns it. */
  private resized(before: number, after: number): number {
    countCachedBytes(after - before);
    return after;
  }
}

function tableFor<Cell>(tables: Map<string, StateTable<Cell>>, stepId: string, name: string): StateTable<Cell> {
  const id = tableId(stepId, name);
  let table = tables.get(id);
  if (!table) tables.set(id, (table = { stepId, name, byKey: new Map() }));
  return table;
}
