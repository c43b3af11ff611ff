/**
 * The slot scheduler's order between record batches and batches without records (timers due, a commit, a frontier):
 * while one slot of a keyed stage receives records without pause (a backlog), the other slots of that stage, which
 * have none but must still report their timers once, get their batches, so the stage's watermark, and with it every
 * later stage's, moves on before the input ends. Pure scheduling logic: the pool is a stand-in that runs one batch at
 * a time and returns what a slot would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { keyGroupsOfSlot, planGraph } from '../../src/graph/planner.js';
import { JobMetrics } from '../../src/runtime/metrics.js';
import { SlotScheduler } from '../../src/runtime/slot-scheduler.js';
import type { SlotResult, SlotTask } from '../../src/runtime/messages.js';
import type { SourceIntake } from '../../src/runtime/source-intake.js';
import type { WorkerPool } from '../../src/runtime/worker-pool.js';

const TOPOLOGY = `name: fairness
runtime: { workers: 1 }
steps:
  - id: events
    op: source
    connector: { type: memory, name: events }
    eventTime: { field: ts }
  - id: by-user
    op: keyBy
    field: user
  - id: by-item
    op: keyBy
    field: item
  - id: out
    op: sink
    connector: { type: memory, name: out }
`;

/** One thread that takes one batch at a time; each batch is answered as a slot with no timers answers it. */
class OneBatchAtATime {
  readonly placement = 'pinned';
  readonly sent: SlotTask[] = [];
  private pending: Array<() => void> = [];

  hasRoomFor(): boolean {
    return this.pending.length === 0;
  }

  run(task: SlotTask): Promise<SlotResult> {
    this.sent.push(task);
    return new Promise((resolve) => {
      this.pending.push(() =>
        resolve({ outputs: null, forwards: [], committed: task.commit, counts: {}, skipped: 0, watermark: task.watermark, nextTimer: Infinity }),
      );
    });
  }

  /** Answers the batch in flight. */
  finish(): void {
    const answer = this.pending.shift();
    assert.ok(answer, 'a batch is in flight');
    answer();
  }
}

test('a slot with no records gets its batch while another slot of its thread is fed without pause', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-fair-'));
  try {
    writeFileSync(join(dir, 'fairness.yaml'), TOPOLOGY);
    const { graph } = await loadTopology(join(dir, 'fairness.yaml'));
    const plan = planGraph(graph);
    const byUser = plan.stageOf.get('by-user')!;
    const byItem = plan.stageOf.get('by-item')!;
    const pool = new OneBatchAtATime();
    // The source's watermark stands at 10 s of event time: every slot may claim it once it has reported its timers.
    const intake = { stageWatermark: () => 10_000, frontier: () => [], partitionIds: ['events:0'], indexOf: () => 0 } as unknown as SourceIntake;
    const scheduler = new SlotScheduler({
      plan,
      pool: pool as unknown as WorkerPool,
      intake,
      metrics: new JobMetrics('fairness'),
      job: { kind: 'topology', file: join(dir, 'fairness.yaml') },
      stateDir: join(dir, 'state'),
      batch: { maxRecords: 1_000, maxDelay: 0 },
      maxQueued: 1_000_000,
      frontierInterval: 3_600_000,
      commitInterval: 0,
      deliver: () => {},
      fail: (err) => assert.fail(String(err)),
      wake: () => {},
    });
    const busyKeyGroup = keyGroupsOfSlot(0, plan.keyGroups, plan.slots)[0]!;
    const cycles = plan.slots * 3;
    let offset = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      // A record arrives for slot 0 before every look, always after the other slots' batches became due: the clock
      // moves on between looks, as it does between a backlog's reads.
      await new Promise((resolve) => setTimeout(resolve, 2));
      scheduler.route(byUser, Date.now(), 0, offset, offset, 9_000, 'u0', busyKeyGroup, null, { user: 'u0', item: 'i0', ts: offset });
      offset++;
      scheduler.dispatch(false);
      pool.finish();
      await Promise.all(scheduler.inFlightTasks);
    }
    const slotsSent = new Set(pool.sent.filter((t) => t.stage === byUser).map((t) => t.slot));
    assert.equal(
      slotsSent.size,
      plan.slots,
      `every slot of the keyed stage got a batch in ${cycles} looks (got ${[...slotsSent].sort((a, b) => a - b).join(',')})`,
    );
    const next = scheduler.inputWatermark(byItem, Date.now());
    assert.ok(Number.isFinite(next), `the next stage's input watermark moved on (got ${next})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
