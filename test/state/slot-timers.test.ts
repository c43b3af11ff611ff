/**
 * A slot's timers on real LMDB files, kept in memory between batches (a pinned slot) or read from LMDB at every
 * batch (a slot that may run on any thread): the same random sequence of batches (timers registered, registered
 * again, deleted, fired as the watermark moves) fires the same timers in the same order with the same registrants,
 * leaves the same timers in LMDB, and a slot started afresh on that state (a restart) continues the same way.
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
      else for (const step of STEPS) for (const t of slot.timers.takeDue(step, op[1] as number)) fired.push(`${step}@${t.time}/${t.kg}/${t.key}<-${t.registeredBy}`);
    }
    slot.commit();
  }
  return fired;
}

const storedTimers = (dir: string) => [...openState(dir).timers.getRange({})].map(({ key, value }) => JSON.stringify([key, value]));

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`timers kept in memory fire as timers read from LMDB do (seed ${seed})`, async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'fw-slot-timers-mem-')), mkdtempSync(join(tmpdir(), 'fw-slot-timers-lmdb-'))];
    try {
      const batches = script(seed, 60);
      const [first, rest] = [batches.slice(0, 30), batches.slice(30)];
      const inMemory = runScript(dirs[0]!, true, first);
      const fromLmdb = runScript(dirs[1]!, false, first);
      assert.ok(inMemory.length > 20, `the script fires timers (${inMemory.length})`);
      assert.deepEqual(inMemory, fromLmdb);
      assert.deepEqual(storedTimers(dirs[0]!), storedTimers(dirs[1]!));
      // A new slot on the same state, as after a restart: the in-memory one loads what LMDB holds.
      assert.deepEqual(runScript(dirs[0]!, true, rest), runScript(dirs[1]!, false, rest));
      assert.deepEqual(storedTimers(dirs[0]!), storedTimers(dirs[1]!));
    } finally {
      for (const dir of dirs) {
        await closeState(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
}
