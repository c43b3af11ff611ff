/**
 * The worker-thread side of the pool (intake tasks go on to intake-worker.ts). A slot batch: rebuild the job (once
 * per thread, hash-checked), run the batch's records through the stage's fused steps with the slot's state, and, when
 * the task asks for it (or the slot's cache is full), commit state, timers, outputs, forwards and the source frontier
 * in one LMDB transaction; outputs and forwards leave only with their commit. Records a slot has already applied
 * (offset at or below its committed frontier) are skipped, which is what makes a replay after a crash apply every
 * record exactly once.
 */
import { setPriority } from 'node:os';
import { keyGroupsOfSlot, slotOfKeyGroup, type Plan } from '../graph/planner.js';
import { openState } from '../state/backend.js';
import { LmdbStateReader } from '../state/lmdb-reader.js';
import { SlotBatch } from '../state/slot-batch.js';
import { setStateCacheBudget } from '../state/state-cache-budget.js';
import { unpackColumns } from './record-columns.js';
import { sourceIdPrefixOf } from './record-id.js';
import { ErrorCodes, toPlainError } from '../core/errors.js';
import { runIntakeTask } from './intake-worker.js';
import { runExecutor } from './executor-worker.js';
import type { ExecutorTask } from './executor-messages.js';
import { operatorType } from '../operators/registry.js';
import type { IntakeResult, IntakeTask, SlotResult, SlotTask, WarmUpTask } from './messages.js';
import { checkedPlan } from './worker-plans.js';
import { StageExecutor } from './stage-executor.js';

interface SlotRunner {
  batch: SlotBatch;
  executor: StageExecutor;
  entry: string;
}

const runners = new Map<string, SlotRunner>();

const runnerId = (task: SlotTask): string => `${task.stateDir}#${task.stage}#${task.slot}`;

function runnerFor(plan: Plan, task: SlotTask): SlotRunner {
  const id = runnerId(task);
  let runner = runners.get(id);
  if (!runner) {
    const stagePlan = plan.stages[task.stage]!;
    // Only keyed operators (window, process) can hold timers.
    const timerSteps = stagePlan.steps.filter((id) => operatorType(plan.graph.steps.find((s) => s.id === id)!.kind)?.keyed);
    const dbs = openState(task.stateDir);
    const batch = new SlotBatch(dbs, task.stage, task.slot, keyGroupsOfSlot(task.slot, plan.keyGroups, plan.slots), timerSteps, task.pinned);
    // Each batch begins with a fresh read snapshot, so lookups see what was committed before it.
    const lookup = new LmdbStateReader(dbs, plan.keyGroups, () => batch.watermark);
    const executor = new StageExecutor(
      plan,
      task.stage,
      {
        sink: (sink, id, key, value, timestamp, headers) => batch.addOutput({ sink, id, key, value, timestamp, ...(headers ? { headers } : {}) }),
        exit: (stage, id, key, kg, value, timestamp) =>
          batch.addForward({ stage, slot: slotOfKeyGroup(kg, plan.keyGroups, plan.slots), id, key, kg, value, timestamp }),
      },
      batch,
      lookup,
    );
    runner = { batch, executor, entry: stagePlan.entry! };
    runners.set(id, runner);
  }
  return runner;
}

/**
 * A warm-up task only starts the thread (the pool starts its threads one at a time) and sets its niceness, which on
 * Linux applies to the calling thread alone, and its state cache budget; a real task runs a batch.
 */
export default async function runTask(task: SlotTask | IntakeTask | WarmUpTask | ExecutorTask): Promise<SlotResult | IntakeResult | null> {
  if ('warmUp' in task) {
    if (task.niceness > 0) setPriority(0, task.niceness);
    setStateCacheBudget(task.stateCacheBytes);
    return null;
  }
  if ('executor' in task) {
    // An executor's task lasts as long as the job; what it has to say goes through its ports.
    await runExecutor(task);
    return null;
  }
  return 'intake' in task ? runIntakeTask(task) : runSlotTask(task);
}

async function runSlotTask(task: SlotTask): Promise<SlotResult> {
  try {
    const plan = await checkedPlan(task.job, task.slots, task.graphHash);
    const { batch, executor, entry } = runnerFor(plan, task);
    batch.begin();
    batch.watermark = task.startWatermark;
    executor.watermark = task.startWatermark;
    executor.counts = {};
    let skipped = 0;
    const idPrefixes = task.partitionIds.map(sourceIdPrefixOf);
    const origin = executor.origin;
    for (let r = 0; r < task.records.length; r++) {
      const records = unpackColumns(task.records[r]!);
      const stamp = task.stamps[r]!;
      if (stamp > executor.watermark) executor.advanceWatermark(stamp, batch);
      for (let i = 0; i < records.length; i++) {
        const pidIndex = records.pidIndex[i]!;
        const offset = records.offset[i]!;
        let id = records.id[i]!;
        if (pidIndex >= 0) {
          const partitionId = task.partitionIds[pidIndex]!;
          if (offset <= batch.appliedOffset(partitionId)) {
            skipped++;
            continue;
          }
          origin.partitionId = partitionId;
          origin.offset = offset;
          if (id === null) id = idPrefixes[pidIndex]! + offset;
        } else {
          origin.partitionId = null;
          origin.offset = -1;
        }
        const watermark = records.watermark[i]!;
        if (watermark > executor.watermark) executor.advanceWatermark(watermark, batch);
        executor.processRecord(entry, records.value[i], records.timestamp[i]!, id!, records.key[i]!, records.keyGroup[i]!);
      }
      if (records.chunk !== null) batch.consumeForwards(task.stage, records.chunk);
    }
    executor.advanceWatermark(task.watermark, batch);
    // Results of async steps join the batch before it may commit: a crash before the commit re-reads their records.
    if (executor.settles) await executor.settle();
    batch.setFrontier(task.frontier);
    // A slot any thread may run keeps nothing between batches, so it commits each one.
    const committed = !task.pinned || task.commit || batch.cacheFull;
    if (committed) batch.commit();
    const result: SlotResult = {
      outputs: committed ? batch.committedOutputs : null,
      forwards: committed ? batch.pendingForwardChunks.map(({ stage, slot, length, records }) => ({ stage, slot, length, records })) : [],
      committed,
      counts: executor.counts,
      skipped,
      watermark: executor.watermark,
      nextTimer: executor.nextTimer(batch),
    };
    batch.release();
    return result;
  } catch (err) {
    // What a pinned slot keeps in memory may hold the failed batch's changes: the next batch starts from LMDB.
    runners.get(runnerId(task))?.batch.dropCache();
    runners.delete(runnerId(task));
    return {
      outputs: null,
      forwards: [],
      committed: false,
      counts: {},
      skipped: 0,
      watermark: task.startWatermark,
      nextTimer: Infinity,
      error: toPlainError(err, ErrorCodes.INTERNAL),
    };
  }
}
