/**
 * The slots one executor owns, of every keyed stage: each a write-back state cache over LMDB (a pinned slot batch),
 * in-memory timers and the stage's fused steps. Records are applied as they are handed over; a commit writes each
 * slot's changes, timers, outputs, records forwarded to other executors' slots and source frontier in one LMDB
 * transaction, and says what leaves with it: the outputs for the sinks, the forward chunks for the slots of later
 * stages that other executors own and each slot's watermark as committed (a later stage never fires a window before
 * the records that belong in it are stored). A record for a later stage's slot this executor owns is applied there at
 * once: that slot commits in the same transaction as the record's cause.
 */
import { keyGroupsOfSlot, slotOfKeyGroup, type Plan } from '../graph/planner.js';
import type { StateDatabases } from '../state/backend.js';
import type { ForwardChunk } from '../state/forward-chunks.js';
import { LmdbStateReader } from '../state/lmdb-reader.js';
import type { OutboxChunk } from '../state/outbox-chunk.js';
import { SlotBatch } from '../state/slot-batch.js';
import { operatorType } from '../operators/registry.js';
import type { FrontierEntry } from './messages.js';
import { unpackColumns } from './record-columns.js';
import { StageExecutor } from './stage-executor.js';
import { addCounts, type StepCounts } from './step-metrics.js';

export interface OwnedSlot {
  stage: number;
  slot: number;
  batch: SlotBatch;
  executor: StageExecutor;
  entry: string;
  /** Whether the slot changed anything since its last commit (records, timers, watermark). */
  changed: boolean;
  committedWatermark: number;
}

export interface CommitResult {
  outputs: OutboxChunk[];
  forwards: ForwardChunk[];
  /** [stage, slot, watermark] of every owned slot. */
  watermarks: Array<[number, number, number]>;
  /** Whether any slot committed. */
  any: boolean;
}

export class ExecutorSlots {
  /** By stage, then by slot number (undefined where another executor owns it). */
  readonly byStage: Array<Array<OwnedSlot | undefined>>;
  constructor(
    plan: Plan,
    private readonly dbs: StateDatabases,
    owns: (slot: number) => boolean,
  ) {
    this.byStage = plan.stages.map((stagePlan, stage) => {
      const slots: Array<OwnedSlot | undefined> = [];
      if (stage === 0) return slots;
      // Only keyed operators (window, process) can hold timers.
      const timerSteps = stagePlan.steps.filter((id) => operatorType(plan.graph.steps.find((s) => s.id === id)!.kind)?.keyed);
      for (let slot = 0; slot < plan.slots; slot++) {
        if (!owns(slot)) continue;
        const batch = new SlotBatch(dbs, stage, slot, keyGroupsOfSlot(slot, plan.keyGroups, plan.slots), timerSteps, true);
        const lookup = new LmdbStateReader(dbs, plan.keyGroups, () => batch.watermark);
        const executor = new StageExecutor(
          plan,
          stage,
          {
            sink: (sink, id, key, value, timestamp, headers) => batch.addOutput({ sink, id, key, value, timestamp, ...(headers ? { headers } : {}) }),
            exit: (next, id, key, kg, value, timestamp) => {
              const target = slotOfKeyGroup(kg, plan.keyGroups, plan.slots);
              if (owns(target)) this.applyForwarded(this.slot(next, target), id, key, kg, value, timestamp);
              else batch.addForward({ stage: next, slot: target, id, key, kg, value, timestamp });
            },
          },
          batch,
          lookup,
        );
        batch.begin();
        slots[slot] = { stage, slot, batch, executor, entry: stagePlan.entry!, changed: false, committedWatermark: -Infinity };
      }
      return slots;
    });
  }

  slot(stage: number, slot: number): OwnedSlot {
    return this.byStage[stage]![slot]!;
  }

  /**
   * Applies a source record (unless the slot's committed frontier says it already has): first the watermark moves to
   * the record's stamp, which fires the timers due before it.
   */
  applySource(s: OwnedSlot, partitionId: string, offset: number, stamp: number, value: unknown, timestamp: number, id: string, key: string, kg: number): void {
    if (offset <= s.batch.appliedOffset(partitionId)) return;
    if (stamp > s.executor.watermark) s.executor.advanceWatermark(stamp, s.batch);
    const origin = s.executor.origin;
    origin.partitionId = partitionId;
    origin.offset = offset;
    s.executor.processRecord(s.entry, value, timestamp, id, key, kg);
    s.changed = true;
  }

  /**
   * Applies at once a record forwarded to a slot this executor owns: both slots commit in the same transaction, so
   * the record needs no forward chunk (a crash before that commit drops its cause and it together). The later
   * stage's watermark still moves only with what its upstream slots committed.
   */
  private applyForwarded(s: OwnedSlot, id: string, key: string, kg: number, value: unknown, timestamp: number): void {
    const origin = s.executor.origin;
    origin.partitionId = null;
    origin.offset = -1;
    s.executor.processRecord(s.entry, value, timestamp, id, key, kg);
    s.changed = true;
  }

  /** Applies a forward chunk a commit of an earlier stage stored; this slot's next commit deletes it. */
  applyChunk(s: OwnedSlot, packed: Uint8Array): void {
    const records = unpackColumns(packed);
    const origin = s.executor.origin;
    for (let i = 0; i < records.length; i++) {
      origin.partitionId = null;
      origin.offset = -1;
      s.executor.processRecord(s.entry, records.value[i], records.timestamp[i]!, records.id[i]!, records.key[i]!, records.keyGroup[i]!);
    }
    if (records.chunk !== null) s.batch.consumeForwards(s.stage, records.chunk);
    s.changed = true;
  }

  /** Moves every owned slot of a stage to `watermark`, firing what falls due. */
  advance(stage: number, watermark: number): void {
    for (const s of this.byStage[stage]!) {
      if (!s || watermark <= s.executor.watermark) continue;
      s.executor.advanceWatermark(watermark, s.batch);
      s.changed = true;
    }
  }

  /** Step counts of every owned slot since the last take. */
  takeCounts(into: StepCounts): void {
    for (const stage of this.byStage) {
      for (const s of stage) {
        if (!s) continue;
        addCounts(into, s.executor.counts);
        s.executor.counts = {};
      }
    }
  }

  /**
   * Commits every owned slot that changed, all in one transaction (`frontier` for the slots of source-fed stages),
   * and starts the next interval.
   */
  commit(frontier: (stage: number) => readonly FrontierEntry[] | null): CommitResult {
    const result: CommitResult = { outputs: [], forwards: [], watermarks: [], any: false };
    const committing: OwnedSlot[] = [];
    for (const stage of this.byStage) {
      for (const s of stage) {
        if (!s) continue;
        const entries = frontier(s.stage);
        if (!s.changed && !entries) continue;
        if (entries) s.batch.setFrontier(entries);
        committing.push(s);
      }
    }
    if (committing.length > 0) {
      this.dbs.env.transactionSync(() => {
        for (const s of committing) s.batch.writeChanges();
      });
      result.any = true;
    }
    for (const s of committing) {
      s.batch.committed();
      if (s.batch.committedOutputs) result.outputs.push(s.batch.committedOutputs);
      result.forwards.push(...s.batch.pendingForwardChunks);
      s.batch.release();
      s.batch.begin();
      s.changed = false;
      s.committedWatermark = s.executor.watermark;
    }
    for (const stage of this.byStage) for (const s of stage) if (s) result.watermarks.push([s.stage, s.slot, s.committedWatermark]);
    return result;
  }
}
