/**
 * The budget of pinned slots' state caches (state-cache-budget.ts), on real LMDB files: the cache of a thread stays
 * within its budget in estimated bytes however many keys its slots read, evicts the least recently used states
 * first, never evicts a state changed since the last commit, and counts a map read whole by its entries. What a
 * slot reads tells whether a state was still cached: it is changed in LMDB behind the slot's back between two
 * batches, and only a cached copy still shows the old value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState, type StateDatabases } from '../../src/state/backend.js';
import { mapEntryKey, valueKey } from '../../src/state/keys.js';
import { SlotBatch } from '../../src/state/slot-batch.js';
import { cachedStateBytes, DEFAULT_STATE_CACHE_BYTES, setStateCacheBudget } from '../../src/state/state-cache-budget.js';

/** Runs `body` with pinned slots on a fresh state directory; drops their caches and the budget afterwards. */
async function withPinnedSlots(budget: number, body: (pinned: (slot: number) => SlotBatch, dbs: StateDatabases) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-slot-cache-'));
  const slots: SlotBatch[] = [];
  setStateCacheBudget(budget);
  try {
    const dbs = openState(dir);
    body((slot) => {
      const s = new SlotBatch(dbs, 1, slot, [slot], [], true);
      slots.push(s);
      return s;
    }, dbs);
  } finally {
    for (const s of slots) s.dropCache();
    setStateCacheBudget(DEFAULT_STATE_CACHE_BYTES);
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The estimated weight of one cached value of this test's shape (a key of 4 characters, a string value). */
function weightOfOneValue(slot: SlotBatch): number {
  const before = cachedStateBytes();
  slot.begin();
  slot.valueGet(slot.value(slot.valueTable('s', 'n'), 0, 'w000'));
  slot.commit();
  return cachedStateBytes() - before;
}

test('the cache of a thread stays within its budget while its slots read many more keys than fit', () =>
  withPinnedSlots(64 * 1024, (pinned) => {
    const slots = [pinned(0), pinned(1)];
    const payload = 'x'.repeat(200);
    let peak = 0;
    for (let batch = 0; batch < 100; batch++) {
      const slot = slots[batch % 2]!;
      slot.begin();
      // After the eviction a batch begins with: at most the budget.
      assert.ok(cachedStateBytes() <= 64 * 1024, `batch ${batch} began with ${cachedStateBytes()} bytes cached`);
      const table = slot.valueTable('s', 'n');
      for (let k = 0; k < 100; k++) {
        const key = `k${batch * 100 + k}`;
        slot.valueSet(slot.value(table, 0, key), { key, payload });
      }
      slot.commit();
      peak = Math.max(peak, cachedStateBytes());
    }
    // 10,000 values of about 500 bytes were written, 5 MB: the cache held a batch's worth past its budget at most.
    assert.ok(peak < 64 * 1024 + 100 * 1_000, `peak ${peak}`);
    assert.ok(cachedStateBytes() > 0, 'the recent states are still cached');
  }));

test('past the budget the least recently used states are evicted first', () =>
  withPinnedSlots(Number.MAX_SAFE_INTEGER, (pinned, dbs) => {
    const slot = pinned(0);
    const table = slot.valueTable('s', 'n');
    const writeBehind = (key: string, value: string) => dbs.state.putSync(valueKey('s', 0, key, 'n'), [value]);
    const readInBatch = (...keys: string[]) => {
      slot.begin();
      const values = keys.map((key) => slot.valueGet(slot.value(table, 0, key)));
      slot.commit();
      return values;
    };
    for (const key of ['w000', 'aaaa', 'bbbb', 'cccc', 'dddd']) writeBehind(key, 'old');
    const one = weightOfOneValue(slot);
    slot.dropCache();
    // Four values cached, used last in batches 2 (b), 3 (c) and 4 (a, d); 3.5 fit: eviction down to 80% of it,
    // 2.8 values, takes b and then c.
    setStateCacheBudget(3.5 * one);
    readInBatch('aaaa');
    readInBatch('bbbb');
    readInBatch('cccc');
    readInBatch('aaaa', 'dddd');
    for (const key of ['aaaa', 'bbbb', 'cccc', 'dddd']) writeBehind(key, 'new');
    assert.deepEqual(readInBatch('aaaa', 'bbbb', 'cccc', 'dddd'), ['old', 'new', 'new', 'old']);
  }));

test('a state changed since the last commit is never evicted, even past the budget', () =>
  withPinnedSlots(Number.MAX_SAFE_INTEGER, (pinned, dbs) => {
    const writer = pinned(0);
    const reader = pinned(1);
    const one = weightOfOneValue(reader);
    setStateCacheBudget(2 * one);
    writer.begin();
    writer.valueSet(writer.value(writer.valueTable('s', 'n'), 0, 'mine'), 'changed');
    // The writer's batch ends without a commit (a pinned slot commits once per commit interval); another slot of
    // the thread then fills the cache past its budget, and the writer's next batch begins with an eviction.
    reader.begin();
    for (let k = 0; k < 10; k++) reader.valueGet(reader.value(reader.valueTable('s', 'n'), 1, `r${k}`));
    assert.equal(reader.cacheFull, true);
    reader.commit();
    writer.begin();
    assert.equal(writer.valueGet(writer.value(writer.valueTable('s', 'n'), 0, 'mine')), 'changed');
    writer.commit();
    assert.deepEqual(dbs.state.get(valueKey('s', 0, 'mine', 'n')), ['changed']);
  }));

test('a map read whole weighs its entries: one past the budget is read from LMDB again, one within it stays cached', async () => {
  /** Writes a map of `entries` entries, reads it whole, changes entry 'e0' in LMDB, then reads it again. */
  const entryReadAfterOutsideChange = async (entries: number, budget: number) => {
    let value: unknown;
    await withPinnedSlots(budget, (pinned, dbs) => {
      const slot = pinned(0);
      const map = () => slot.map(slot.mapTable('step', 'm'), 0, 'k');
      slot.begin();
      for (let i = 0; i < entries; i++) slot.mapSet(map(), `e${i}`, 'old');
      slot.commit();
      slot.begin();
      assert.equal(slot.mapEntries(map()).length, entries);
      slot.commit();
      dbs.state.putSync(mapEntryKey('step', 0, 'k', 'm', 'e0'), ['new']);
      slot.begin();
      value = slot.mapGet(map(), 'e0');
      slot.commit();
    });
    return value;
  };
  // An entry of this map is estimated at about 200 bytes: 300 entries are about 60 KB, past 16 KB; 25 about 5 KB.
  assert.equal(await entryReadAfterOutsideChange(300, 16 * 1024), 'new', 'a map of 300 entries: evicted');
  assert.equal(await entryReadAfterOutsideChange(25, 16 * 1024), 'old', 'a map of 25 entries: still cached');
});

test('the default budget, 256 MiB a thread (docs/topology.md, runtime.stateCacheMiB), keeps megabytes of state cached', () =>
  withPinnedSlots(DEFAULT_STATE_CACHE_BYTES, (pinned, dbs) => {
    assert.equal(DEFAULT_STATE_CACHE_BYTES, 256 * 1024 * 1024);
    const slot = pinned(0);
    const table = slot.valueTable('s', 'n');
    const keys = Array.from({ length: 4000 }, (_, k) => `k${k}`);
    const payload = 'x'.repeat(1000);
    slot.begin();
    for (const key of keys) slot.valueSet(slot.value(table, 0, key), { key, payload });
    slot.commit();
    // About 4 MB estimated, far within the default: every value is still cached, so what LMDB holds now is not read.
    assert.ok(cachedStateBytes() > 4000 * 1000, `${cachedStateBytes()} bytes cached`);
    assert.equal(slot.cacheFull, false, 'within the budget a slot need not commit to free its cache');
    for (const key of keys) dbs.state.putSync(valueKey('s', 0, key, 'n'), ['changed behind the slot']);
    slot.begin();
    const read = keys.map((key) => slot.valueGet(slot.value(table, 0, key)) as { key: string });
    slot.commit();
    assert.deepEqual(
      read.map((v) => v.key),
      keys,
    );
  }));

test('a cache holding exactly its budget is not past it; one byte more is', () =>
  withPinnedSlots(Number.MAX_SAFE_INTEGER, (pinned) => {
    const slot = pinned(0);
    weightOfOneValue(slot);
    const held = cachedStateBytes();
    setStateCacheBudget(held);
    assert.equal(slot.cacheFull, false);
    setStateCacheBudget(held - 1);
    assert.equal(slot.cacheFull, true);
  }));

test('a cache within its budget evicts nothing when a batch begins, not even down to the low-water mark', () =>
  withPinnedSlots(Number.MAX_SAFE_INTEGER, (pinned, dbs) => {
    const slot = pinned(0);
    const table = slot.valueTable('s', 'n');
    const keys = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'];
    for (const key of keys) dbs.state.putSync(valueKey('s', 0, key, 'n'), ['old']);
    const read = () => {
      slot.begin();
      const values = keys.map((key) => slot.valueGet(slot.value(table, 0, key)));
      slot.commit();
      return values;
    };
    read();
    // The cache holds 90% of its budget: past the low-water mark (80%), within the budget.
    setStateCacheBudget(cachedStateBytes() / 0.9);
    for (const key of keys) dbs.state.putSync(valueKey('s', 0, key, 'n'), ['new']);
    assert.deepEqual(read(), ['old', 'old', 'old', 'old', 'old']);
  }));

test("a slot that drops its cache gives its bytes back to the thread's budget, and reads LMDB again", () =>
  withPinnedSlots(Number.MAX_SAFE_INTEGER, (pinned, dbs) => {
    const [kept, dropped] = [pinned(0), pinned(1)];
    const keptBytes = weightOfOneValue(kept);
    weightOfOneValue(dropped);
    dropped.dropCache();
    assert.equal(cachedStateBytes(), keptBytes);
    dbs.state.putSync(valueKey('s', 0, 'w000', 'n'), ['changed']);
    dropped.begin();
    assert.equal(dropped.valueGet(dropped.value(dropped.valueTable('s', 'n'), 0, 'w000')), 'changed');
    dropped.commit();
  }));

test('an eviction frees enough clean states to reach the low-water mark, whatever changed states it cannot evict', () =>
  withPinnedSlots(Number.MAX_SAFE_INTEGER, (pinned) => {
    const [writer, reader] = [pinned(0), pinned(1)];
    weightOfOneValue(reader);
    // The writer's changes stay uncommitted (dirty) while the reader caches two values a batch for ten batches.
    writer.begin();
    for (const key of ['aaaa', 'bbbb', 'cccc']) writer.valueSet(writer.value(writer.valueTable('s', 'n'), 0, key), 'changed');
    for (let batch = 0; batch < 10; batch++) {
      reader.begin();
      for (const k of [0, 1]) reader.valueGet(reader.value(reader.valueTable('s', 'n'), 1, `r${batch}${k}`));
      reader.commit();
    }
    const total = cachedStateBytes();
    setStateCacheBudget(total / 2);
    reader.begin();
    assert.ok(cachedStateBytes() <= 0.8 * (total / 2), `${cachedStateBytes()} bytes left of ${total}, budget ${total / 2}`);
    reader.commit();
  }));
