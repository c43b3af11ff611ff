/**
 * Output ids of timers: a timer registered again after it fired (at a time the watermark has passed) fires again,
 * and what it emits gets new ids, the same in every run: ids are unique per output and stable across runs, which
 * is what lets consumers deduplicate at-least-once output (real worker threads, real LMDB).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearMemoryChannels, memoryOutput, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { timerCause } from '../../src/runtime/record-id.js';
import { FIXED_TIME, refiredTimer } from './fixtures/refired-timer-job.js';

const jobModule = fileURLToPath(new URL('./fixtures/refired-timer-job.js', import.meta.url));

async function runOnce(): Promise<string[]> {
  clearMemoryChannels();
  // The first event registers the timer; the second moves the watermark past it (it fires) and registers it again,
  // which fires at the third event's watermark; the third registers it once more, fired at the end of input.
  setMemoryInput('events', [[100, 3_000, 3_100].map((ts) => ({ key: 'u1', value: { user: 'u1', ts } }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-timer-ids-'));
  try {
    await new JobRunner({ job: moduleJobRef(jobModule, 'refiredTimer'), graph: refiredTimer, stateDir, workers: 1, slots: 1 }).run();
    const out = memoryOutput('out');
    assert.ok(out.every((r) => (r.value as { firedAt: number }).firedAt === FIXED_TIME));
    return out.map((r) => r.id);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

test('a timer registered again after it fired emits under new ids, the same in every run', async () => {
  const first = await runOnce();
  assert.equal(first.length, 3, 'the timer fired once per registration');
  assert.equal(new Set(first).size, 3, `every output has its own id: ${first.join(', ')}`);
  assert.deepEqual(await runOnce(), first, 'a second run gives the same ids');
});

test('a timer that registers itself again from its own firing keeps a fixed-size cause, cycle after cycle', () => {
  // What registered the timer is stored with it and is part of its next firing's cause; unbounded, a periodic timer's
  // stored value would grow by the whole previous cause every cycle.
  let cause = 'events/0/0';
  const sizes = new Set<number>();
  for (let cycle = 0; cycle < 100; cycle++) {
    cause = timerCause('refresh', 'u1', '', 1_000 * cycle, cause);
    sizes.add(cause.length);
  }
  assert.equal(sizes.size, 1, `cause sizes seen: ${[...sizes].join(', ')}`);
  assert.ok(cause.length <= 32);
});
