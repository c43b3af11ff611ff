/**
 * A pinned slot keeps a bounded number of its timers in memory, however many it holds: on real LMDB files, 6,000
 * timers registered far ahead of the watermark (as a churn label 7 days ahead, or a feature refresh, is) leave at most
 * the bound per step in memory after each commit and after a restart, and still all fire, in firing order, with
 * their registrants, leaving LMDB empty. On a slot that kept every timer in memory, the count was all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState } from '../../src/state/backend.js';
import { pinnedTimers } from './fixtures/pinned-timers.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const KEY_GROUPS = [0, 1, 2, 3];
const STEPS = ['labels', 'features'];
const LIMIT = 64;
const BATCHES = 20;
const PER_BATCH = 300;

test('a pinned slot keeps at most its bound of timers per step in memory; the others fire from LMDB in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-pinned-timers-bound-'));
  try {
    const next = mulberry32(7);
    // Distinct times (a shuffled range), so that no tie at the cut lets a step keep more than the bound.
    const times = Array.from({ length: BATCHES * PER_BATCH }, (_, i) => 1_000 + 3 * i);
    for (let i = times.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [times[i], times[j]] = [times[j]!, times[i]!];
    }
    const expected: string[] = [];
    let slot = pinnedTimers(dir, KEY_GROUPS, STEPS, LIMIT);
    for (let b = 0; b < BATCHES; b++) {
      slot.begin();
      for (let i = 0; i < PER_BATCH; i++) {
        const n = b * PER_BATCH + i;
        const [step, kg, key, time] = [STEPS[n % 2]!, KEY_GROUPS[n % 4]!, `u${n % 97}`, times[n]!];
        slot.timers.register(step, kg, key, time, 'due', `r${n}`);
        expected.push(`${step}@${time}/${kg}/${key}<-r${n}`);
      }
      slot.commit();
      assert.ok(
        slot.timers.queuedCount() <= STEPS.length * LIMIT,
        `after batch ${b}: ${slot.timers.queuedCount()} timers in memory, at most ${STEPS.length * LIMIT}`,
      );
      // Each step was given more than its bound: it keeps the earliest half of the bound at least (timer-window.ts).
      assert.ok(slot.timers.queuedCount() >= STEPS.length * Math.floor(LIMIT / 2), `after batch ${b}: only ${slot.timers.queuedCount()} in memory`);
    }
    // A restart reads back only the earliest timers of each step.
    await closeState(dir);
    slot = pinnedTimers(dir, KEY_GROUPS, STEPS, LIMIT);
    slot.begin();
    assert.ok(slot.timers.queuedCount() <= STEPS.length * LIMIT, `after a restart: ${slot.timers.queuedCount()} timers in memory`);
    // The watermark moves in uneven steps through all of them; each step's timers fire in (time, key group, key) order.
    const fired: string[] = [];
    for (let watermark = 0; watermark <= 1_000 + 3 * BATCHES * PER_BATCH; watermark += 1 + Math.floor(next() * 400)) {
      for (const step of STEPS) {
        for (const t of slot.timers.takeDue(step, watermark)) fired.push(`${step}@${t.time}/${t.kg}/${t.key}<-${t.registeredBy}`);
        assert.ok(slot.timers.next(step) > watermark, `${step}: nothing due at ${watermark} is left`);
      }
      assert.ok(slot.timers.queuedCount() <= STEPS.length * LIMIT, `at watermark ${watermark}: ${slot.timers.queuedCount()} timers in memory`);
      slot.commit();
      slot.begin();
    }
    for (const step of STEPS) for (const t of slot.timers.takeDue(step, Infinity)) fired.push(`${step}@${t.time}/${t.kg}/${t.key}<-${t.registeredBy}`);
    slot.commit();
    const order = (s: string) => Number(/@(\d+)\//.exec(s)![1]);
    for (const step of STEPS) {
      const mine = (xs: string[]) => xs.filter((x) => x.startsWith(`${step}@`));
      assert.deepEqual(
        mine(fired),
        mine(expected).sort((a, b) => order(a) - order(b)),
        `${step}: every timer fires once, in time order, with its registrant`,
      );
    }
    assert.equal([...openState(dir).timers.getKeys({})].length, 0, 'LMDB holds no timer once all fired');
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
