/**
 * A slot's timers on real LMDB files against a plain model (a map of timer id to the least id that registered it
 * since it last fired, due timers sorted by time, key group, key and namespace): both kinds of slot timers, kept in
 * memory or read from LMDB at each batch, fire what the model fires in its order with its registrants, report the
 * model's next timer, and leave the model's timers in LMDB, across batches (some of which fail: nothing of them
 * stays) and a restart; so do in-memory timers bounded to 3 per step (most of them then only in LMDB, read back
 * as the earlier ones fire). slot-timers.test.ts checks the two kinds against each other; this checks each against
 * an oracle that shares no code with them. A timer's registrant does not depend on the order its registrations came in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState } from '../../src/state/backend.js';
import { SlotBatch } from '../../src/state/slot-batch.js';
import { pinnedTimers } from './fixtures/pinned-timers.js';
import type { SlotTimers } from '../../src/state/timer-changes.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const KEY_GROUPS = [0, 1, 2];
const STEPS = ['w', 'p'];
const KEYS = ['a', 'b', 'c'];
const NAMESPACES = ['n1', 'n2'];

interface ModelTimer {
  step: string;
  kg: number;
  key: string;
  time: number;
  ns: string;
  by: string;
}

const idOf = (t: Omit<ModelTimer, 'by'>) => JSON.stringify([t.step, t.kg, t.key, t.time, t.ns]);
const firingOrder = (a: ModelTimer, b: ModelTimer) =>
  a.time - b.time || a.kg - b.kg || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0);
const describe = (t: ModelTimer) => `${t.step}@${t.time}/${t.kg}/${t.key}/${t.ns}<-${t.by}`;

/** What the batches below use of a slot. */
interface TimerSlot {
  begin(): void;
  timers: SlotTimers;
  commit(): void;
}

type Kind = 'LMDB-read' | 'in-memory' | 'in-memory, 3 per step';

function slotOf(kind: Kind, dir: string): TimerSlot {
  return kind === 'in-memory, 3 per step'
    ? pinnedTimers(dir, KEY_GROUPS, STEPS, 3)
    : new SlotBatch(openState(dir), 1, 0, KEY_GROUPS, STEPS, kind === 'in-memory');
}

/** Random batches on the slot's timers, each call checked against the model; returns the model after them. */
function runBatches(slot: TimerSlot, model: Map<string, ModelTimer>, seed: number, batches: number, watermark: { at: number }, failures: boolean): number {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  let n = 0;
  let firedCount = 0;
  for (let b = 0; b < batches; b++) {
    slot.begin();
    const before = new Map(model);
    for (let i = 0; i < 14; i++) {
      const op = next();
      // Fractional times: timers are kept at whole milliseconds (the floor).
      const raw = watermark.at + pick([-2, 1, 3, 6, 12, 30]) + (next() < 0.2 ? 0.5 : 0);
      const t = { step: pick(STEPS), kg: pick(KEY_GROUPS), key: pick(KEYS), time: Math.floor(raw), ns: pick(NAMESPACES) };
      if (op < 0.5) {
        const by = `r${seed}.${n++}`;
        slot.timers.register(t.step, t.kg, t.key, raw, t.ns, by);
        // Registered again before it fired, a timer keeps the least id that registered it (not the last).
        const known = model.get(idOf(t))?.by;
        model.set(idOf(t), { ...t, by: known !== undefined && known < by ? known : by });
      } else if (op < 0.65) {
        slot.timers.delete(t.step, t.kg, t.key, raw, t.ns);
        model.delete(idOf(t));
      } else if (op < 0.8) {
        const step = pick(STEPS);
        const earliest = Math.min(...[...model.values()].filter((m) => m.step === step).map((m) => m.time));
        const next = slot.timers.next(step);
        if (failures) {
          // Read from LMDB, the next timer may be a committed one this batch deleted (a hint for when to look for
          // due timers: takeDue skips it), never one later than the model's.
          const deletedCommitted = [...before.values()].some((m) => m.step === step && m.time === next && !model.has(idOf(m)));
          assert.ok(next === earliest || (next < earliest && deletedCommitted), `next timer of ${step}, batch ${b}: ${next}, the model's ${earliest}`);
        } else assert.equal(next, earliest, `next timer of ${step}, batch ${b}`);
      } else {
        watermark.at += Math.floor(next() * 8);
        for (const step of STEPS) {
          const due = [...model.values()].filter((m) => m.step === step && m.time <= watermark.at).sort(firingOrder);
          for (const d of due) model.delete(idOf(d));
          const fired = slot.timers
            .takeDue(step, watermark.at)
            .map((d) => describe({ step, kg: d.kg, key: d.key, time: d.time, ns: d.namespace, by: d.registeredBy }));
          assert.deepEqual(fired, due.map(describe), `timers of ${step} due at ${watermark.at}, batch ${b}`);
          firedCount += fired.length;
        }
      }
    }
    if (failures && next() < 0.15) {
      // The batch fails: nothing of it is committed.
      for (const [k] of model) if (!before.has(k)) model.delete(k);
      for (const [k, v] of before) model.set(k, v);
      continue;
    }
    slot.commit();
  }
  return firedCount;
}

const storedTimers = (dir: string) => [...openState(dir).timers.getRange({})].map(({ key, value }) => JSON.stringify([key, value]));
const modelTimers = (model: Map<string, ModelTimer>) =>
  [...model.values()]
    .sort(
      (a, b) =>
        (a.step < b.step ? -1 : a.step > b.step ? 1 : 0) ||
        a.kg - b.kg ||
        a.time - b.time ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) ||
        (a.ns < b.ns ? -1 : 1),
    )
    .map((m) => JSON.stringify([[m.step, m.kg, m.time, m.key, m.ns], m.by]));

for (const kind of ['LMDB-read', 'in-memory', 'in-memory, 3 per step'] as const) {
  for (const seed of [21, 22, 23, 24]) {
    test(`${kind} slot timers fire, report and store what a plain model does (seed ${seed})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fw-slot-timers-model-'));
      // A failed batch leaves an in-memory slot unusable (the worker drops it and loads a new one): only the
      // LMDB-read kind gets failed batches.
      const failures = kind === 'LMDB-read';
      try {
        const model = new Map<string, ModelTimer>();
        const watermark = { at: 0 };
        const fired = runBatches(slotOf(kind, dir), model, seed, 40, watermark, failures);
        assert.ok(fired > 20 && model.size > 0, `timers fire (${fired}) and some are left (${model.size})`);
        assert.deepEqual(storedTimers(dir), modelTimers(model));
        await closeState(dir);
        runBatches(slotOf(kind, dir), model, seed + 100, 30, watermark, failures);
        assert.deepEqual(storedTimers(dir), modelTimers(model));
      } finally {
        await closeState(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

/** Every order of `xs`. */
const permutations = <T>(xs: readonly T[]): T[][] =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));

for (const kind of ['LMDB-read', 'in-memory', 'in-memory, 3 per step'] as const) {
  test(`${kind} slot timers: the registrant of a timer registered several times does not depend on their order`, async () => {
    // A keyed stage fed by other keyed stages gets its records in an order that depends on thread timing; the ids
    // of what a timer emits derive from its registrant, so it must be the same for every order and batching.
    const registrants = ['labels/1/9', 'events/0/12', 'b6f0c2d1e4a3', 'events/0/3'];
    const seen = new Set<string>();
    for (const order of permutations(registrants)) {
      for (let split = 0; split <= order.length; split++) {
        const dir = mkdtempSync(join(tmpdir(), 'fw-slot-timers-order-'));
        try {
          const slot = slotOf(kind, dir);
          // Earlier timers of another key first: with 3 per step in memory, the timer of 'a' is then only in LMDB.
          slot.begin();
          for (let t = 20; t < 24; t++) slot.timers.register('w', 1, 'z', t, 'n1', 'events/0/1');
          slot.commit();
          // The first `split` registrations are committed in one batch, the rest come in the next.
          for (const part of [order.slice(0, split), order.slice(split)]) {
            slot.begin();
            for (const by of part) slot.timers.register('w', 1, 'a', 50, 'n1', by);
            slot.commit();
          }
          slot.begin();
          const fired = slot.timers.takeDue('w', 50).filter((t) => t.key === 'a');
          slot.commit();
          assert.equal(fired.length, 1, 'one timer of the key fires');
          seen.add(fired[0]!.registeredBy);
        } finally {
          await closeState(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    assert.deepEqual([...seen], [[...registrants].sort()[0]], 'every order and batching gives the least id that registered it');
  });
}
