/**
 * The worker-thread side of worker intake: reads a claimed range of one source partition (the thread keeps each
 * partition's reader where the last range ended, so reading on costs nothing extra), takes each record's event time,
 * runs stage 0 (the stateless steps before the first keyBy) and sorts the records that leave it into one packed run
 * per destination slot, stamped with the watermark of the claim. What the main thread then does per range is append
 * those runs to slot mailboxes and observe the range's greatest event time: no per-record work.
 */
import type { PartitionReader, SourceConnector, SourceRecord } from '../connectors/connector.js';
import { Undecodable } from '../connectors/connector.js';
import type { EventTimeConfig, StepSpec } from '../graph/model.js';
import { EventTimeBounds } from './event-time-bounds.js';
import { slotOfKeyGroup, type Plan } from '../graph/planner.js';
import { packList } from './batch-codec.js';
import { ErrorCodes, toPlainError } from '../core/errors.js';
import type { IntakeChunk, IntakeResult, IntakeTask, OutputTuple, UnreadableTuple } from './messages.js';
import { createSource } from './open-connectors.js';
import { packColumns, RecordColumns } from './record-columns.js';
import { sourceIdPrefix } from './record-id.js';
import { checkedPlan } from './worker-plans.js';
import { eventTimeOf } from './source-intake.js';
import { StageExecutor } from './stage-executor.js';

interface PartitionCursor {
  reader: PartitionReader;
  next: number;
}

interface IntakeSourceState {
  connector: SourceConnector;
  timestampOf: (record: SourceRecord) => number;
  /** Kept by the thread that reads the partition (one range of a partition is in flight at a time, on one thread). */
  bounds: EventTimeBounds;
  cursors: Map<number, PartitionCursor>;
}

/** What the range being read produces; the stage-0 executor writes into it. */
interface RangeOutput {
  task: IntakeTask;
  offset: number;
  sourceId: string;
  columns: Map<number, RecordColumns>;
  outputs: OutputTuple[];
}

interface Stage0 {
  executor: StageExecutor;
  sources: Map<string, IntakeSourceState>;
  range: RangeOutput | null;
}

const stage0s = new WeakMap<Plan, Stage0>();

function stage0For(plan: Plan): Stage0 {
  let s = stage0s.get(plan);
  if (s) return s;
  const state: Stage0 = { executor: null!, sources: new Map(), range: null };
  state.executor = new StageExecutor(
    plan,
    0,
    {
      sink: (sinkId, id, key, value, timestamp, headers) => state.range!.outputs.push([sinkId, id, key, value, timestamp, headers ?? null]),
      exit: (stage, id, key, kg, value, timestamp) => {
        const range = state.range!;
        const slot = slotOfKeyGroup(kg, plan.keyGroups, plan.slots);
        const target = stage * plan.slots + slot;
        let columns = range.columns.get(target);
        if (!columns) range.columns.set(target, (columns = new RecordColumns()));
        // A record that still has its source record's id travels without it: the slot's worker rebuilds it.
        columns.push(range.task.pidIndex, range.offset, timestamp, range.task.stamp, key, kg, id === range.sourceId ? null : id, value);
      },
    },
    null,
  );
  stage0s.set(plan, (s = state));
  return s;
}

function sourceFor(stage0: Stage0, plan: Plan, task: IntakeTask): IntakeSourceState {
  let source = stage0.sources.get(task.source);
  if (source) return source;
  const step = plan.graph.steps.find((s) => s.id === task.source && s.kind === 'source') as StepSpec;
  const connector = createSource(step, plan.graph.name, task.baseDir);
  if (!connector.openPartition) throw new Error(`source ${step.id} (${connector.origin}) cannot be read in a worker thread`);
  source = {
    connector,
    timestampOf: eventTimeOf(step),
    bounds: new EventTimeBounds(step.id, step.config.eventTime as EventTimeConfig, connector.followsClock === true),
    cursors: new Map(),
  };
  stage0.sources.set(task.source, source);
  return source;
}

function readerAt(source: IntakeSourceState, partition: number, offset: number): PartitionReader {
  let cursor = source.cursors.get(partition);
  if (!cursor || cursor.next !== offset) {
    cursor = { reader: source.connector.openPartition!(partition, offset), next: offset };
    source.cursors.set(partition, cursor);
  }
  return cursor.reader;
}

export async function runIntakeTask(task: IntakeTask): Promise<IntakeResult> {
  let stage0: Stage0 | null = null;
  try {
    const plan = await checkedPlan(task.job, task.slots, task.graphHash);
    stage0 = stage0For(plan);
    const executor = stage0.executor;
    const range: RangeOutput = { task, offset: -1, sourceId: '', columns: new Map(), outputs: [] };
    const unreadable: UnreadableTuple[] = [];
    let maxTimestamp = -Infinity;
    stage0.range = range;
    executor.counts = {};
    const source = sourceFor(stage0, plan, task);
    const reader = readerAt(source, task.partition, task.from);
    const idPrefix = sourceIdPrefix(task.source, task.partition);
    const origin = executor.origin;
    origin.partitionId = `${task.source}:${task.partition}`;
    const record: SourceRecord = { partition: task.partition, offset: -1, key: null, value: undefined, timestamp: null };
    const end = task.from + task.count;
    for (let offset = task.from; offset < end; offset++) {
      const value = reader.next();
      if (value instanceof Undecodable) {
        unreadable.push([offset, value.reason, value.raw, null, null]);
        continue;
      }
      record.offset = offset;
      record.value = value;
      const timestamp = source.timestampOf(record);
      if (!Number.isFinite(timestamp)) {
        unreadable.push([offset, 'no event time: the event-time field is missing or not a number', null, value, null]);
        continue;
      }
      const rejected = source.bounds.check(task.partition, timestamp, Date.now());
      if (rejected !== null) {
        unreadable.push([offset, rejected.reason, null, value, rejected.bound]);
        continue;
      }
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
      origin.offset = offset;
      range.offset = offset;
      range.sourceId = idPrefix + offset;
      executor.processRecord(task.source, value, timestamp, range.sourceId, '', 0);
    }
    source.cursors.get(task.partition)!.next = end;
    const chunks: IntakeChunk[] = [];
    for (const [target, columns] of range.columns) {
      chunks.push({
        stage: Math.floor(target / plan.slots),
        slot: target % plan.slots,
        length: columns.length,
        firstOffset: columns.offset[0]!,
        records: packColumns(columns),
      });
    }
    return { chunks, outputs: packList(range.outputs), unreadable, maxTimestamp, counts: executor.counts };
  } catch (err) {
    // The reader may have moved past where the error struck: the next range of this partition reopens it.
    stage0?.sources.get(task.source)?.cursors.delete(task.partition);
    return { chunks: [], outputs: new Uint8Array(0), unreadable: [], maxTimestamp: -Infinity, counts: {}, error: toPlainError(err, ErrorCodes.INTERNAL) };
  } finally {
    if (stage0) stage0.range = null;
  }
}
