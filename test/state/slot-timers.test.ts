/**
 * A slot's timers on real LMDB files, kept in memory between batches (a pinned slot) or read from LMDB at every
 * batch (a slot that may run on any thread): the same random sequence of batches (timers registered, registered
 * again, deleted, fired as the watermark moves) fires the same timers in the same order with the same registrants,
 * leaves the same timers in LMDB, and a slot started afresh on that state (a restart) continues the same way. Both
 * also match a plain model of the contract written here (a map of timers by identity; the due ones, time <= the
 * watermark, taken out in (time, key group, key, namespace) order), so the two paths cannot agree on a wrong answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState } from '../../src/state/backend.js';
import { SlotBatch } from '../../src/state/slot-batch.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const KEY_GROUPS = [0, 1, 2];
const STEPS = ['w', 'p'];

type Op = readonly ['register' | 'delete', string, number, string, number, string] | readonly ['advance', number];

/** Batches of operations: timers on few keys and times, so registering again and deleting hit existing timers. */
function script(seed: number, batches: number): Op[][] {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  let watermark = 0;
  let n = 0;
  return Array.from({ length: batches }, () => {
    const ops: Op[] = [];
    for (let i = 0; i < 12; i++) {
      const kind = next();
      const time = watermark + pick([-2, 3, 6, 12, 30]);
      if (kind < 0.6) ops.push(['register', pick(STEPS), pick(KEY_GROUPS), pick(['a', 'b', 'c']), time, `r${n++}`]);
      else if (kind < 0.8) ops.push(['delete', pick(STEPS), pick(KEY_GROUPS), pick(['a', 'b', 'c']), time, '']);
      else ops.push(['advance', (watermark += Math.floor(next() * 10))]);
    }
    ops.push(['advance', (watermark += 5)]);
    return ops;
  });
}

/** Runs the batches; returns every fired timer, in order. */
function runScript(dir: string, inMemory: boolean, batches: Op[][]): string[] {
  const slot = new SlotBatch(openState(dir), 1, 0, KEY_GROUPS, STEPS, inMemory);
  const fired: string[] = [];
  for (const ops of batches) {
    slot.begin();
    for (const op of ops) {
      if (op[0] === 'register') slot.timers.register(op[1], op[2], op[3], op[4], 'ns', op[5]);
      else if (op[0] === 'delete') slot.timers.delete(op[1], op[2], op[3], op[4], 'ns');
      else
        for (const step of STEPS)
          for (const t of slot.timers.takeDue(step, op[1] as number)) fired.push(`${step}@${t.time}/${t.kg}/${t.key}<-${t.registeredBy}`);
    }
    slot.commit();
  }
  return fired;
}

const storedTimers = (dir: string) => [...openState(dir).timers.getRange({})].map(({ key, value }) => JSON.stringify([key, value]));

interface ModelTimer {
  step: string;
  kg: number;
  key: string;
  time: number;
  registeredBy: string;
}

/**
 * The contract of a slot's timers as a plain model: a timer is its (step, key group, key, time, namespace); registering
 * it again before it fires only keeps the least id that registered it; deleting removes it; a step's timers due at a watermark (time <= it) fire
 * once, in (time, key group, key, namespace) order. Every batch commits, so what the model holds is what LMDB must.
 */
class TimersModel {
  private readonly timers = new Map<string, ModelTimer>();

  run(batches: Op[][]): string[] {
    const fired: string[] = [];
    for (const op of batches.flat()) {
      if (op[0] === 'register') {
        const id = JSON.stringify(op.slice(1, 5));
        const known = this.timers.get(id)?.registeredBy;
        this.timers.set(id, { step: op[1], kg: op[2], key: op[3], time: op[4], registeredBy: known !== undefined && known < op[5] ? known : op[5] });
      } else if (op[0] === 'delete') this.timers.delete(JSON.stringify(op.slice(1, 5)));
      else {
        for (const step of STEPS) {
          const watermark = op[1] as number;
          const due = [...this.timers].filter(([, t]) => t.step === step && t.time <= watermark);
          // One namespace ('ns') throughout: (time, key group, key) decides.
          due.sort(([, a], [, b]) => a.time - b.time || a.kg - b.kg || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
          for (const [id, t] of due) {
            this.timers.delete(id);
            fired.push(`${step}@${t.time}/${t.kg}/${t.key}<-${t.registeredBy}`);
          }
        }
      }
    }
    return fired;
  }

  /** What LMDB should hold, as storedTimers reads it (key [step, kg, time, key, namespace], value the registrant). */
  stored(): string[] {
    return [...this.timers.values()].map((t) => JSON.stringify([[t.step, t.kg, t.time, t.key, 'ns'], t.registeredBy])).sort();
  }
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`timers kept in memory and timers read from LMDB fire as the model of the contract does (seed ${seed})`, async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'fw-slot-timers-mem-')), mkdtempSync(join(tmpdir(), 'fw-slot-timers-lmdb-'))];
    try {
      const batches = script(seed, 60);
      const [first, rest] = [batches.slice(0, 30), batches.slice(30)];
      const model = new TimersModel();
      const expected = model.run(first);
      const inMemory = runScript(dirs[0]!, true, first);
      const fromLmdb = runScript(dirs[1]!, false, first);
      assert.ok(expected.length > 20, `the script fires timers (${expected.length})`);
      assert.deepEqual(inMemory, expected, 'timers kept in memory fire as the model says');
      assert.deepEqual(fromLmdb, expected, 'timers read from LMDB fire as the model says');
      assert.deepEqual(storedTimers(dirs[0]!).sort(), model.stored(), 'LMDB holds the timers the model holds (in memory)');
      assert.deepEqual(storedTimers(dirs[1]!).sort(), model.stored(), 'LMDB holds the timers the model holds (from LMDB)');
      // A new slot on the same state, as after a restart: the in-memory one loads what LMDB holds.
      const expectedAfterRestart = model.run(rest);
      assert.deepEqual(runScript(dirs[0]!, true, rest), expectedAfterRestart, 'after a restart, in memory');
      assert.deepEqual(runScript(dirs[1]!, false, rest), expectedAfterRestart, 'after a restart, from LMDB');
      assert.deepEqual(storedTimers(dirs[0]!).sort(), model.stored());
      assert.deepEqual(storedTimers(dirs[1]!).sort(), model.stored());
    } finally {
      for (const dir of dirs) {
        await closeState(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
}

/** Runs `body` on a fresh slot of each kind (kept in memory, read from LMDB), each on a state directory of its own. */
async function eachSlotKind(keyGroups: number[], body: (slot: SlotBatch, dir: string, kind: string) => void): Promise<void> {
  for (const inMemory of [true, false]) {
    const dir = mkdtempSync(join(tmpdir(), 'fw-slot-timers-'));
    try {
      body(new SlotBatch(openState(dir), 1, 0, keyGroups, STEPS, inMemory), dir, inMemory ? 'in memory' : 'from LMDB');
    } finally {
      await closeState(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

test('timers whose fields would run together when written one after another are distinct timers', () =>
  eachSlotKind([1, 12], (slot, _dir, kind) => {
    // Key group 1 at time 23 and key group 12 at time 3 (both "w", "1", "2", "3" in a row); key "ab" in namespace
    // "c" and key "a" in namespace "bc".
    slot.begin();
    slot.timers.register('w', 1, 'a', 23, 'ns', 'r1');
    slot.timers.register('w', 12, 'a', 3, 'ns', 'r2');
    slot.timers.register('w', 1, 'ab', 5, 'c', 'r3');
    slot.timers.register('w', 1, 'a', 5, 'bc', 'r4');
    slot.commit();
    slot.begin();
    const fired = slot.timers.takeDue('w', 30).map((t) => `${t.time}/${t.kg}/${t.key}/${t.namespace}<-${t.registeredBy}`);
    slot.commit();
    assert.deepEqual(fired, ['3/12/a/ns<-r2', '5/1/a/bc<-r4', '5/1/ab/c<-r3', '23/1/a/ns<-r1'], kind);
  }));

test('a timer stored before timers kept their registrant (1 in LMDB) fires with an unknown registrant', () =>
  eachSlotKind(KEY_GROUPS, (slot, dir, kind) => {
    openState(dir).timers.putSync(['w', 2, 7, 'a', 'ns'], 1);
    slot.begin();
    const fired = slot.timers.takeDue('w', 10);
    slot.commit();
    assert.deepEqual(
      fired.map((t) => [t.time, t.kg, t.key, t.namespace, t.registeredBy]),
      [[7, 2, 'a', 'ns', '']],
      kind,
    );
  }));
