/**
 * The limit of a pinned slot's state cache counts map entries, on real LMDB files: a map of many entries, read whole,
 * is dropped from the cache at the next batch once its entries pass the limit, so the slot reads LMDB again; a map
 * within the limit stays cached. What the slot reads tells which: an entry is changed in LMDB behind the slot's back
 * between two batches (only a cached copy still shows the old value).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState } from '../../src/state/backend.js';
import { mapEntryKey } from '../../src/state/keys.js';
import { SlotBatch } from '../../src/state/slot-batch.js';

const LIMIT = 100;

/** Writes a map of `entries` entries in one batch, reads it whole, changes entry 'e0' in LMDB, then reads it again. */
async function entryReadAfterOutsideChange(entries: number): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-slot-cache-'));
  try {
    const dbs = openState(dir);
    const slot = new SlotBatch(dbs, 1, 0, [0], [], true, LIMIT);
    slot.begin();
    const map = slot.map(slot.mapTable('step', 'm'), 0, 'k');
    for (let i = 0; i < entries; i++) slot.mapSet(map, `e${i}`, 'old');
    slot.commit();
    slot.begin();
    assert.equal(slot.mapEntries(slot.map(slot.mapTable('step', 'm'), 0, 'k')).length, entries);
    slot.commit();
    dbs.state.putSync(mapEntryKey('step', 0, 'k', 'm', 'e0'), ['new']);
    slot.begin();
    const value = slot.mapGet(slot.map(slot.mapTable('step', 'm'), 0, 'k'), 'e0');
    slot.commit();
    return value;
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a map whose entries pass the cache limit is read from LMDB again; one within it stays cached', async () => {
  assert.equal(await entryReadAfterOutsideChange(LIMIT * 3), 'new', 'a map of 300 entries, limit 100: dropped from the cache');
  assert.equal(await entryReadAfterOutsideChange(LIMIT / 4), 'old', 'a map of 25 entries, limit 100: still cached');
});
