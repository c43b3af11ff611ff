/**
 * A Nexmark query's stages run in ONE thread with no hand-offs: the source's partitions read in ranges, stage 0,
 * then every keyed stage's slots called directly, with the runtime's own stage executors, slot batches (pinned,
 * write-back state, in-memory timers) and LMDB commits every `commitInterval` ms. No worker threads, no mailboxes,
 * no packing between threads, no main-thread routing: what it costs per event is what operators, state, timers, ids
 * and commits cost, the floor under any placement of the same work on threads. The Nexmark benchmark reports it
 * beside the baseline and the runtime (`in-thread` rows), so a gap can be told apart: floor to runtime is the cost
 * of moving records between threads; baseline to floor is the cost of the keyed path itself.
 * Its watermark is the least of the partitions' greatest event times less the source's out-of-orderness, taken
 * after each range, as the runtime computes it; its output count is checked against the baseline's.
 */
import type { EventTimeConfig, JobGraph, StepSpec } from '../../src/graph/model.js';
import { keyGroupsOfSlot, planGraph, slotOfKeyGroup, type Plan } from '../../src/graph/planner.js';
import { operatorType } from '../../src/operators/registry.js';
import { createSource } from '../../src/runtime/open-connectors.js';
import { sourceIdPrefix } from '../../src/runtime/record-id.js';
import { eventTimeOf } from '../../src/runtime/source-intake.js';
import { StageExecutor } from '../../src/runtime/stage-executor.js';
import { openState } from '../../src/state/backend.js';
import { SlotBatch } from '../../src/state/slot-batch.js';

const SLOTS = 16;
/** Records of one partition read before the next partition's turn, as the runtime's worker intake claims them. */
const RANGE = 8_192;

interface Slot {
  batch: SlotBatch;
  executor: StageExecutor;
  entry: string;
}

type Forward = [id: string, key: string, kg: number, value: unknown, timestamp: number];

export interface InThreadOptions {
  graph: JobGraph;
  stateDir: string;
  /** Events over all partitions, in equal shares. */
  events: number;
  partitions: number;
  commitInterval: number;
}

/** Runs the query to the end of its input; returns how many outputs reached its sinks. */
export function runInThread(o: InThreadOptions): number {
  const plan = planGraph(o.graph, SLOTS);
  const dbs = openState(o.stateDir);
  let outputs = 0;
  let watermark = -Infinity;
  const forwards: Forward[][] = plan.stages.map(() => []);
  const slots: Slot[][] = plan.stages.map((_stage, s) => (s === 0 ? [] : keyedSlots(plan, s, dbs, (stageIndex, f) => forwards[stageIndex]!.push(f))));
  const stage0 = new StageExecutor(
    plan,
    0,
    {
      sink: () => outputs++,
      exit: (stage, id, key, kg, value, timestamp) =>
        apply(slots[stage]![slotOfKeyGroup(kg, plan.keyGroups, SLOTS)]!, watermark, id, key, kg, value, timestamp),
    },
    null,
  );
  const source = plan.graph.steps.find((s) => s.kind === 'source') as StepSpec;
  const connector = createSource(source, plan.graph.name, process.cwd());
  const timestampOf = eventTimeOf(source);
  const delay = (source.config.eventTime as EventTimeConfig).maxOutOfOrderness;
  const readers = Array.from({ length: o.partitions }, (_, p) => connector.openPartition!(p, 0));
  const greatest = readers.map(() => -Infinity);
  const record = { partition: 0, offset: 0, key: null, value: undefined as unknown, timestamp: null };
  const perPartition = Math.ceil(o.events / o.partitions);
  let committedAt = Date.now();
  const commit = () => {
    for (const stage of slots) {
      for (const slot of stage) {
        slot.batch.commit();
        outputs += slot.batch.committedOutputs ? slot.batch.pendingOutputs.length : 0;
        slot.batch.release();
        slot.batch.begin();
      }
    }
    committedAt = Date.now();
  };
  for (let from = 0; from < perPartition; from += RANGE) {
    for (let p = 0; p < o.partitions; p++) {
      const prefix = sourceIdPrefix(source.id, p);
      const end = Math.min(perPartition, from + RANGE);
      for (let offset = from; offset < end; offset++) {
        record.offset = offset;
        record.value = readers[p]!.next();
        const timestamp = timestampOf(record);
        if (timestamp > greatest[p]!) greatest[p] = timestamp;
        stage0.processRecord(source.id, record.value, timestamp, prefix + offset, '', 0);
      }
    }
    watermark = Math.min(...greatest) - delay;
    advanceLaterStages(plan, slots, forwards, watermark);
    if (Date.now() - committedAt >= o.commitInterval) commit();
  }
  advanceLaterStages(plan, slots, forwards, Infinity);
  commit();
  return outputs;
}

function keyedSlots(plan: Plan, stage: number, dbs: ReturnType<typeof openState>, forward: (stage: number, f: Forward) => void): Slot[] {
  const stagePlan = plan.stages[stage]!;
  const timerSteps = stagePlan.steps.filter((id) => operatorType(plan.graph.steps.find((s) => s.id === id)!.kind)?.keyed);
  return Array.from({ length: SLOTS }, (_, s) => {
    const batch = new SlotBatch(dbs, stage, s, keyGroupsOfSlot(s, plan.keyGroups, SLOTS), timerSteps, true);
    const executor = new StageExecutor(
      plan,
      stage,
      {
        sink: (sink, id, key, value, timestamp, headers) => batch.addOutput({ sink, id, key, value, timestamp, ...(headers ? { headers } : {}) }),
        exit: (next, id, key, kg, value, timestamp) => forward(next, [id, key, kg, value, timestamp]),
      },
      batch,
    );
    batch.begin();
    return { batch, executor, entry: stagePlan.entry! };
  });
}

function apply(slot: Slot, watermark: number, id: string, key: string, kg: number, value: unknown, timestamp: number): void {
  if (watermark > slot.executor.watermark) slot.executor.advanceWatermark(watermark, slot.batch);
  slot.executor.processRecord(slot.entry, value, timestamp, id, key, kg);
}

/** Stage by stage: fires what the watermark makes due, then hands what was forwarded to the next stage. */
function advanceLaterStages(plan: Plan, slots: Slot[][], forwards: Forward[][], watermark: number): void {
  for (let stage = 1; stage < slots.length; stage++) {
    const pending = forwards[stage]!.splice(0);
    for (const [id, key, kg, value, timestamp] of pending) {
      // Forwarded records carry the watermark they were made under; the stage advances only after taking them.
      const slot = slots[stage]![slotOfKeyGroup(kg, plan.keyGroups, SLOTS)]!;
      slot.executor.processRecord(slot.entry, value, timestamp, id, key, kg);
    }
    for (const slot of slots[stage]!) slot.executor.advanceWatermark(watermark, slot.batch);
  }
}
