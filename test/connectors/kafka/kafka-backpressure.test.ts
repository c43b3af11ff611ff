/**
 * Backpressure from a slow step back to the Kafka consumer: the topic holds 40 times more records than the job may
 * buffer (`maxQueued`), and each record costs 150 us in a keyed step. The job pauses its consumer when full and
 * resumes it when half is applied; the most records it ever held (the runner's own peak count, read from its status)
 * stays within the bound, and every record ends up applied exactly once (state equals the reference, and the applied
 * offsets reach the end of every partition).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import type { JobGraph } from '../../../src/graph/model.js';
import type { TestEvent, Totals } from '../../runtime/fixtures/jobs.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import { produceEvents } from './produce-events.js';
import { appliedOffsets, runningTotals, waitFor } from './job-observer.js';

const fixture = fileURLToPath(new URL('./fixtures/outage-jobs.js', import.meta.url));
const MAX_QUEUED = 500;
let broker: SpawnedBroker;
let counting: JobGraph;
let dir: string;

before(async () => {
  broker = await spawnDevBroker({ topics: ['events'] });
  Object.assign(process.env, { FW_OUTAGE_SOURCE_BROKERS: broker.bootstrap, FW_OUTAGE_IN: 'events', FW_SLOW_MICROS: '150' });
  ({ counting } = (await import('./fixtures/outage-jobs.js')) as { counting: JobGraph });
  dir = mkdtempSync(join(tmpdir(), 'fw-backpressure-'));
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a slow job pauses its consumer: it never holds more than maxQueued records, and applies every record once', { timeout: 60_000 }, async (t) => {
  const events = makeEvents({ seed: 60, count: 40 * MAX_QUEUED, users: 300, partitions: 1, skewed: true, disorder: 0 })[0]!.map((r) => r.value as TestEvent);
  const placed = await produceEvents(broker.bootstrap, 'events', events);
  const runner = new JobRunner({
    job: moduleJobRef(fixture, 'counting'),
    graph: counting,
    stateDir: dir,
    workers: 1,
    slots: 4,
    maxQueued: MAX_QUEUED,
    batch: { maxRecords: 128, maxDelay: 5 },
    frontierInterval: 50,
  });
  const running = runner.run();
  const seen: number[] = [];
  const sampler = setInterval(() => seen.push(runner.status(1, 0).queued), 10);
  try {
    const ends = new Map<number, number>();
    for (const p of placed) ends.set(p.partition, Math.max(ends.get(p.partition) ?? -1, p.offset));
    await waitFor(
      'every offset applied',
      () => {
        const applied = appliedOffsets(dir);
        return applied.size === ends.size && [...applied].every(([pid, list]) => list.every((o) => o === ends.get(Number(pid.split(':')[1]))));
      },
      50_000,
    );
    const status = runner.status(1, 0);
    t.diagnostic(`peak queued ${status.peakQueued} of ${MAX_QUEUED}, ${status.pauses} pauses, ${placed.length} records, highest sample ${Math.max(...seen)}`);
    assert.ok(status.pauses >= 5, `the consumer was paused repeatedly (${status.pauses} times)`);
    assert.ok(status.peakQueued <= MAX_QUEUED, `peak ${status.peakQueued} records held, bound ${MAX_QUEUED}`);
    assert.ok(status.peakQueued >= MAX_QUEUED / 2, 'the job did fill up (otherwise the bound was never tested)');
    assert.ok(Math.max(...seen) <= MAX_QUEUED);

    const expected = new Map<string, Totals>();
    for (const e of events) {
      const s = expected.get(e.user) ?? { count: 0, sum: 0 };
      expected.set(e.user, { count: s.count + 1, sum: s.sum + e.amount });
    }
    assert.deepEqual(runningTotals(dir, 'running'), expected, 'each record applied exactly once');
  } finally {
    clearInterval(sampler);
    runner.stop();
    await running;
  }
});
