/**
 * A state directory records the layout it was written with, on real LMDB files: the first start stores it under
 * ['meta', 'layout'] in the progress database (backend.ts), a start with the same key groups and slots goes on, and
 * a start with other key groups or slots is refused naming both, since the stored state would be read wrongly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeState, openState } from '../../src/state/backend.js';
import { checkStateLayout } from '../../src/runtime/recovery.js';
import type { Plan } from '../../src/graph/planner.js';
import { ErrorCodes, FlywheelError } from '../../src/core/errors.js';

// The layout check reads only the key groups and slots of a plan.
const plan = (keyGroups: number, slots: number) => ({ keyGroups, slots }) as Plan;

test('a state directory keeps its layout and refuses a job with other key groups or slots', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-state-layout-'));
  try {
    const dbs = openState(dir);
    checkStateLayout(dbs, plan(128, 16), dir);
    assert.deepEqual(
      [...dbs.env.openDB({ name: 'progress', encoding: 'msgpack' }).getRange({ start: ['meta'], end: ['meta\u0000'] })].map(({ key, value }) => [key, value]),
      [[['meta', 'layout'], { keyGroups: 128, slots: 16, forwardFormat: 3 }]],
    );
    await closeState(dir);
    checkStateLayout(openState(dir), plan(128, 16), dir);
    for (const [keyGroups, slots] of [
      [64, 16],
      [128, 8],
    ] as const) {
      assert.throws(
        () => checkStateLayout(openState(dir), plan(keyGroups, slots), dir),
        (err: unknown) =>
          err instanceof FlywheelError &&
          err.code === ErrorCodes.STATE &&
          err.message.includes(`written with 128 key groups over 16 slots, the job now has ${keyGroups} over ${slots}`),
      );
    }
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
