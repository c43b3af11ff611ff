/**
 * Value and map state of a slot batch on real LMDB files, against a plain model of what each batch committed: random
 * batches of writes, deletes and reads (with event-time TTLs and a moving watermark) read back the model's values
 * within a batch, after commits, after a restart (a new slot on the reopened files), and through the query
 * endpoint's reader. Both kinds of slot are checked: the cache dropped at every batch, and the cache kept between
 * batches (a pinned slot). Also: a batch that is not committed leaves nothing, the source frontier only moves
 * forward, outputs land in the outbox, and a pinned slot's cache is dropped once it holds more than its limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState, openStateReadOnly } from '../../src/state/backend.js';
import { SlotBatch } from '../../src/state/slot-batch.js';
import { storedOutputs, writeOutboxChunk } from '../../src/state/outbox-chunks.js';
import type { OutputTuple } from '../../src/state/outbox-chunk.js';
import { unpackList } from '../../src/runtime/batch-codec.js';
import { LmdbStateReader } from '../../src/state/lmdb-reader.js';
import { valueKey } from '../../src/state/keys.js';
import { keyGroupOf } from '../../src/core/key-groups.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const KEY_GROUPS = 4;
const KEYS = ['a', 'b', 'c', 'd', 'e'];
const ENTRIES = ['x', 'y', 'z', 'w'];
const NAMES = ['n1', 'n2'];
const STEPS = ['s1', 's2'];

/** What was committed (or written in the running batch): a value and the event time after which it is expired. */
interface Stored {
  value: unknown;
  expiresAt?: number;
}

const live = (s: Stored | undefined, watermark: number) => (s === undefined || (s.expiresAt !== undefined && s.expiresAt < watermark) ? undefined : s.value);

/** The model: every value and map entry by one string id, as plain maps. */
class Model {
  values = new Map<string, Stored>();
  entries = new Map<string, Map<string, Stored>>();
  clone(): Model {
    const m = new Model();
    m.values = new Map(this.values);
    m.entries = new Map([...this.entries].map(([k, v]) => [k, new Map(v)]));
    return m;
  }
  mapOf(id: string): Map<string, Stored> {
    let m = this.entries.get(id);
    if (!m) this.entries.set(id, (m = new Map()));
    return m;
  }
  liveEntries(id: string, watermark: number): Array<[string, unknown]> {
    return [...(this.entries.get(id) ?? [])]
      .filter(([, s]) => live(s, watermark) !== undefined)
      .map(([e, s]): [string, unknown] => [e, s.value])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

const idOf = (step: string, key: string, name: string) => `${step}/${key}/${name}`;

function withDir(run: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-slot-batch-state-'));
    try {
      await run(dir);
    } finally {
      await closeState(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Runs random batches on a slot, checking every read against the model; returns the model of what was committed. */
function runBatches(slot: SlotBatch, committed: Model, seed: number, batches: number, watermark: { at: number }): Model {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  for (let b = 0; b < batches; b++) {
    slot.begin();
    slot.watermark = watermark.at;
    const model = committed.clone();
    for (let i = 0; i < 25; i++) {
      const [step, key, name] = [pick(STEPS), pick(KEYS), pick(NAMES)];
      const kg = keyGroupOf(key, KEY_GROUPS);
      const id = idOf(step, key, name);
      const ttl = next() < 0.3 ? { expiresAt: watermark.at + Math.floor(next() * 20) - 5 } : {};
      const op = next();
      if (op < 0.2) {
        const value = { b, i, v: Math.floor(next() * 100) };
        slot.valueSet(slot.value(slot.valueTable(step, name), kg, key), value, ttl.expiresAt);
        model.values.set(id, { value, ...ttl });
      } else if (op < 0.27) {
        slot.valueClear(slot.value(slot.valueTable(step, name), kg, key));
        model.values.delete(id);
      } else if (op < 0.42) {
        assert.deepEqual(slot.valueGet(slot.value(slot.valueTable(step, name), kg, key)), live(model.values.get(id), watermark.at), `value ${id}, batch ${b}`);
      } else if (op < 0.62) {
        const entry = pick(ENTRIES);
        const value = [b, i];
        slot.mapSet(slot.map(slot.mapTable(step, name), kg, key), entry, value, ttl.expiresAt);
        model.mapOf(id).set(entry, { value, ...ttl });
      } else if (op < 0.7) {
        const entry = pick(ENTRIES);
        slot.mapDelete(slot.map(slot.mapTable(step, name), kg, key), entry);
        model.mapOf(id).delete(entry);
      } else if (op < 0.85) {
        const entry = pick(ENTRIES);
        assert.deepEqual(
          slot.mapGet(slot.map(slot.mapTable(step, name), kg, key), entry),
          live(model.entries.get(id)?.get(entry), watermark.at),
          `entry ${id}/${entry}, batch ${b}`,
        );
      } else {
        assert.deepEqual(slot.mapEntries(slot.map(slot.mapTable(step, name), kg, key)), model.liveEntries(id, watermark.at), `entries of ${id}, batch ${b}`);
      }
    }
    slot.commit();
    committed = model;
    watermark.at += Math.floor(next() * 4);
  }
  return committed;
}

/** Every value and map of the model read through the query endpoint's LMDB reader, on a read-only handle. */
function checkReader(dir: string, model: Model, watermark: number) {
  const readOnly = openStateReadOnly(dir);
  assert.throws(() => readOnly.state.putSync(['x'], [1]), 'the handle cannot write');
  const reader = new LmdbStateReader(readOnly, KEY_GROUPS, () => watermark);
  for (const step of STEPS) {
    for (const key of KEYS) {
      for (const name of NAMES) {
        const id = idOf(step, key, name);
        assert.deepEqual(reader.value(step, key, name), live(model.values.get(id), watermark), `reader value ${id}`);
        assert.deepEqual(reader.mapEntries(step, key, name), model.liveEntries(id, watermark), `reader entries ${id}`);
        for (const entry of ENTRIES)
          assert.deepEqual(reader.mapEntry(step, key, name, entry), live(model.entries.get(id)?.get(entry), watermark), `reader entry ${id}/${entry}`);
      }
    }
    // The keys holding a live value of a name, in key order, of this step only, at most `limit` of them.
    for (const name of NAMES) {
      const holding = KEYS.filter((key) => live(model.values.get(idOf(step, key, name)), watermark) !== undefined).sort();
      assert.deepEqual(reader.valueKeys(step, name, 1000), holding, `value keys of ${step}/${name}`);
      assert.deepEqual(reader.valueKeys(step, name, 2), holding.slice(0, 2), `the first two value keys of ${step}/${name}`);
    }
  }
}

for (const keepCache of [false, true]) {
  for (const seed of [11, 12, 13]) {
    test(
      `${keepCache ? 'pinned' : 'unpinned'} slot: value and map state read back what was written and committed, after a restart too (seed ${seed})`,
      withDir(async (dir) => {
        const watermark = { at: 0 };
        const slot = new SlotBatch(openState(dir), 1, 0, [0, 1, 2, 3], [], keepCache);
        const committed = runBatches(slot, new Model(), seed, 40, watermark);
        assert.ok(committed.values.size > 5 && committed.entries.size > 5, 'the batches leave values and maps');
        checkReader(dir, committed, watermark.at);
        await closeState(dir);
        // A restart: a new slot on the reopened files goes on from what was committed.
        const restarted = new SlotBatch(openState(dir), 1, 0, [0, 1, 2, 3], [], keepCache);
        const after = runBatches(restarted, committed, seed + 100, 20, watermark);
        checkReader(dir, after, watermark.at);
      }),
    );
  }
}

test(
  'a batch that is not committed leaves no trace: the next batch reads what was committed before it',
  withDir(async (dir) => {
    const slot = new SlotBatch(openState(dir), 1, 0, [0], []);
    const table = slot.valueTable('s', 'n');
    const maps = slot.mapTable('s', 'm');
    slot.begin();
    slot.valueSet(slot.value(table, 0, 'k'), 'kept');
    slot.mapSet(slot.map(maps, 0, 'k'), 'e', 'kept');
    slot.setFrontier([['p0', 5, -Infinity]]);
    slot.commit();
    slot.begin();
    slot.valueSet(slot.value(table, 0, 'k'), 'lost');
    slot.mapSet(slot.map(maps, 0, 'k'), 'e', 'lost');
    slot.mapSet(slot.map(maps, 0, 'k'), 'f', 'lost');
    slot.setFrontier([['p0', 9, -Infinity]]);
    slot.addOutput({ sink: 'out', id: 'lost', key: null, value: 1, timestamp: 0 });
    // No commit: the batch failed.
    slot.begin();
    assert.equal(slot.valueGet(slot.value(table, 0, 'k')), 'kept');
    assert.deepEqual(slot.mapEntries(slot.map(maps, 0, 'k')), [['e', 'kept']]);
    assert.equal(slot.appliedOffset('p0'), 5);
    slot.commit();
    assert.deepEqual([...openState(dir).outbox.getRange({})], []);
    assert.equal(openState(dir).state.get(valueKey('s', 0, 'k', 'n'))?.[0], 'kept');
  }),
);

test(
  'batches between two commits of a pinned slot add up: the commit stores all their changes, outputs and the last frontier',
  withDir(async (dir) => {
    const dbs = openState(dir);
    const slot = new SlotBatch(dbs, 1, 0, [0], [], true);
    const table = slot.valueTable('s', 'n');
    const maps = slot.mapTable('s', 'm');
    for (let b = 1; b <= 3; b++) {
      slot.begin();
      slot.valueSet(slot.value(table, 0, 'k'), b);
      slot.mapSet(slot.map(maps, 0, `k${b}`), 'e', b);
      slot.addOutput({ sink: 'out', id: `o${b}`, key: null, value: b, timestamp: 0 });
      slot.setFrontier([['p0', 10 * b, -Infinity]]);
      // Nothing is stored before the commit: the read-only view of another handle sees nothing.
      assert.equal(openState(dir).state.get(valueKey('s', 0, 'k', 'n')), undefined);
    }
    assert.deepEqual(
      slot.pendingOutputs.map((o) => o.id),
      ['o1', 'o2', 'o3'],
    );
    slot.commit();
    const stored = openState(dir);
    assert.equal(stored.state.get(valueKey('s', 0, 'k', 'n'))?.[0], 3);
    assert.deepEqual(
      storedOutputs(stored.outbox).flatMap((s) => s.outputs.map((o) => o[1])),
      ['o1', 'o2', 'o3'],
    );
    slot.begin();
    assert.equal(slot.appliedOffset('p0'), 30);
    assert.deepEqual(slot.pendingOutputs, [], 'a batch after a commit starts with no outputs');
    for (let b = 1; b <= 3; b++) assert.deepEqual(slot.mapEntries(slot.map(maps, 0, `k${b}`)), [['e', b]]);
  }),
);

test(
  'the source frontier of a slot only moves forward, and is its own: other slots and stages keep theirs',
  withDir(async (dir) => {
    const dbs = openState(dir);
    const slot = new SlotBatch(dbs, 2, 3, [0], []);
    const neighbours = [
      new SlotBatch(dbs, 2, 2, [0], []),
      new SlotBatch(dbs, 2, 4, [0], []),
      new SlotBatch(dbs, 1, 3, [0], []),
      new SlotBatch(dbs, 3, 3, [0], []),
    ];
    for (const [i, n] of neighbours.entries()) {
      n.begin();
      n.setFrontier([
        ['p0', 100 + i, -Infinity],
        ['p1', 200 + i, -Infinity],
      ]);
      n.commit();
    }
    slot.begin();
    assert.equal(slot.appliedOffset('p0'), -1, 'nothing applied yet');
    slot.setFrontier([
      ['p0', 7, -Infinity],
      ['p1', 3, -Infinity],
    ]);
    slot.commit();
    slot.begin();
    assert.equal(slot.appliedOffset('p0'), 7);
    assert.equal(slot.appliedOffset('p1'), 3);
    assert.equal(slot.appliedOffset('p2'), -1);
    slot.setFrontier([
      ['p0', 6, -Infinity],
      ['p1', 4, -Infinity],
      ['p2', 0, -Infinity],
    ]);
    slot.commit();
    slot.begin();
    assert.deepEqual(
      [slot.appliedOffset('p0'), slot.appliedOffset('p1'), slot.appliedOffset('p2')],
      [7, 4, 0],
      'an earlier offset does not move the frontier back',
    );
    for (const [i, n] of neighbours.entries()) {
      n.begin();
      assert.deepEqual([n.appliedOffset('p0'), n.appliedOffset('p1'), n.appliedOffset('p2')], [100 + i, 200 + i, -1], `neighbour ${i}`);
    }
  }),
);

test(
  "a commit's outputs are one outbox chunk, in emission order with key, value, time and headers; a chunk never overwrites one still stored",
  withDir(async (dir) => {
    const dbs = openState(dir);
    const slot = new SlotBatch(dbs, 1, 0, [0], []);
    const other = new SlotBatch(dbs, 1, 0, [0], []);
    slot.begin();
    slot.addOutput({ sink: 'out', id: 'r1', key: 'k1', value: { n: 1 }, timestamp: 10 });
    slot.addOutput({ sink: 'out', id: 'r2', key: null, value: 'two', timestamp: 20, headers: { h: 'v' } });
    slot.addOutput({ sink: 'late', id: 'r1', key: 'k3', value: 3, timestamp: 30 });
    assert.equal(slot.pendingOutputs.length, 3);
    slot.commit();
    const first = storedOutputs(dbs.outbox);
    assert.deepEqual(first, [
      {
        keys: [[1, 0, 0]],
        outputs: [
          ['out', 'r1', 'k1', { n: 1 }, 10, null],
          ['out', 'r2', null, 'two', 20, { h: 'v' }],
          ['late', 'r1', 'k3', 3, 30, null],
        ],
      },
    ]);
    assert.deepEqual(slot.committedOutputs?.key, [1, 0, 0]);
    slot.release();
    slot.begin();
    assert.equal(slot.pendingOutputs.length, 0, 'a new batch starts with no outputs');
    // The same slot committed by another thread's batch object: its chunk comes after the stored one.
    other.begin();
    other.addOutput({ sink: 'out', id: 'r3', key: null, value: 3, timestamp: 40 });
    other.commit();
    assert.deepEqual(
      storedOutputs(dbs.outbox).map((s) => s.keys),
      [[[1, 0, 0]], [[1, 0, 1]]],
    );
    slot.commit();
    assert.equal(slot.committedOutputs, null, 'a commit without outputs stores no chunk');
    assert.equal(dbs.outbox.getKeysCount(), 2);
  }),
);

test(
  "a slot's next chunk follows its own newest chunk, whatever other slots, stages and entries of the earlier layout hold",
  withDir(async (dir) => {
    const { env, outbox } = openState(dir);
    const output = (id: string): OutputTuple => ['out', id, null, id, 1, null];
    const write = (stage: number, slot: number) => env.transactionSync(() => writeOutboxChunk(outbox, stage, slot, [output(`${stage}.${slot}`)])!.key);
    env.transactionSync(() => outbox.putSync(['out', 'legacy'], [null, 1, 10, null]));
    // Stage 1: slot 1 numbers its chunks 0, 1, 2 while slot 0 has none yet; slot 0 then starts at 0 and slot 2 too.
    assert.deepEqual(
      [write(1, 1), write(1, 1), write(1, 1)],
      [
        [1, 1, 0],
        [1, 1, 1],
        [1, 1, 2],
      ],
    );
    assert.deepEqual(write(1, 0), [1, 0, 0]);
    assert.deepEqual(write(2, 0), [2, 0, 0]);
    assert.deepEqual(
      [write(1, 0), write(1, 2), write(1, 1)],
      [
        [1, 0, 1],
        [1, 2, 0],
        [1, 1, 3],
      ],
    );
    assert.equal(
      env.transactionSync(() => writeOutboxChunk(outbox, 1, 0, [])),
      null,
      'no outputs, no chunk',
    );
    assert.deepEqual(write(1, 0), [1, 0, 2]);
  }),
);

test(
  'outbox entries of the layout with one entry per output are read as one group, in key order',
  withDir(async (dir) => {
    const dbs = openState(dir);
    dbs.env.transactionSync(() => {
      dbs.outbox.putSync(['out', 'b'], [null, 2, 20, null]);
      dbs.outbox.putSync(['out', 'a'], ['k', 1, 10, { h: 'v' }]);
    });
    assert.deepEqual(storedOutputs(dbs.outbox), [
      {
        keys: [
          ['out', 'a'],
          ['out', 'b'],
        ],
        outputs: [
          ['out', 'a', 'k', 1, 10, { h: 'v' }],
          ['out', 'b', null, 2, 20, null],
        ],
      },
    ]);
  }),
);

test(
  'a slot any thread may run reads LMDB at every batch',
  withDir(async (dir) => {
    const dbs = openState(dir);
    // Stored behind the slot's back: only a slot that reads LMDB again sees the change.
    const writeBehind = (key: string, value: string) => dbs.state.putSync(valueKey('s', 0, key, 'n'), [value]);
    writeBehind('b', 'b1');
    const unpinned = new SlotBatch(dbs, 1, 1, [0], []);
    unpinned.begin();
    assert.equal(unpinned.valueGet(unpinned.value(unpinned.valueTable('s', 'n'), 0, 'b')), 'b1');
    unpinned.commit();
    writeBehind('b', 'b2');
    unpinned.begin();
    assert.equal(unpinned.valueGet(unpinned.value(unpinned.valueTable('s', 'n'), 0, 'b')), 'b2', 'an unpinned slot reads LMDB at every batch');
  }),
);

test(
  'committed state is stored under the documented keys (backend.ts), which a restart of a later version reads',
  withDir(async (dir) => {
    const dbs = openState(dir);
    const slot = new SlotBatch(dbs, 1, 0, [0, 5], ['w']);
    slot.begin();
    slot.valueSet(slot.value(slot.valueTable('step', 'total'), 5, 'u1'), 42, 1_000);
    slot.mapSet(slot.map(slot.mapTable('step', 'seen'), 0, 'u2'), 'item', { n: 1 });
    slot.timers.register('w', 5, 'u1', 99, 'ns', 'r7');
    slot.setFrontier([['src/0', 12, -Infinity]]);
    slot.addOutput({ sink: 'out', id: 'o1', key: 'u1', value: 'v', timestamp: 3 });
    slot.addForward({ stage: 2, slot: 4, id: 'f1', key: 'u1', kg: 5, value: 'f', timestamp: 4 });
    slot.commit();
    // Each database opened by its documented name, not through the handles the slot used.
    const contents = (name: string) => [...dbs.env.openDB({ name, encoding: 'msgpack' }).getRange({})].map(({ key, value }) => [key, value]);
    assert.deepEqual(contents('state'), [
      [['step', 0, 'u2', 'm', 'seen', 'item'], [{ n: 1 }]],
      [
        ['step', 5, 'u1', 'v', 'total'],
        [42, 1_000],
      ],
    ]);
    assert.deepEqual(contents('timers'), [[['w', 5, 99, 'u1', 'ns'], 'r7']]);
    assert.deepEqual(contents('progress'), [[['applied', 1, 0, 'src/0'], 12]]);
    assert.deepEqual(
      contents('outbox').map(([key, value]) => [key, unpackList(value as Uint8Array)]),
      [[[1, 0, 0], [['out', 'o1', 'u1', 'v', 3, null]]]],
    );
    assert.deepEqual(
      contents('forward').map(([key]) => key),
      [[2, 1, 0, 0, 4]],
    );
  }),
);

test(
  'a closed state directory is opened afresh: emptied in between, it reads as empty',
  withDir(async (dir) => {
    const first = new SlotBatch(openState(dir), 1, 0, [0], []);
    first.begin();
    first.valueSet(first.value(first.valueTable('s', 'n'), 0, 'k'), 'old');
    first.commit();
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
    const again = new SlotBatch(openState(dir), 1, 0, [0], []);
    again.begin();
    assert.equal(again.valueGet(again.value(again.valueTable('s', 'n'), 0, 'k')), undefined);
  }),
);
