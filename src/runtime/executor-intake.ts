/**
 * An executor's stage 0: reads ranges of the source partitions it owns (each partition's reader stays where the last
 * range ended), checks each record's event time, runs the stateless steps before the first keyBy and sorts the
 * records that leave them by the slot of their key group. Each record is stamped with its partition's watermark just
 * before it (greatest event time so far less the out-of-orderness): a function of that partition's records alone,
 * which is what puts records of several partitions in the same order in every run (source-order.ts).
 */
import type { PartitionReader, SourceConnector, SourceRecord } from '../connectors/connector.js';
import { Undecodable } from '../connectors/connector.js';
import type { EventTimeConfig, StepSpec } from '../graph/model.js';
import { slotOfKeyGroup, type Plan } from '../graph/planner.js';
import { EventTimeBounds } from './event-time-bounds.js';
import type { ExecutorPartition } from './executor-messages.js';
import type { OutputTuple, UnreadableTuple } from './messages.js';
import { createSource } from './open-connectors.js';
import { RecordColumns } from './record-columns.js';
import { sourceIdPrefix } from './record-id.js';
import { eventTimeOf } from './source-intake.js';
import { StageExecutor } from './stage-executor.js';

interface OwnedPartition {
  reader: PartitionReader | null;
  next: number;
  idPrefix: string;
  /** `source:partition`, as the runtime names a source partition. */
  partitionId: string;
  sourceStep: string;
  /** Greatest accepted event time less the out-of-orderness: the partition's watermark. */
  watermark: number;
  source: SourceState;
}

interface SourceState {
  connector: SourceConnector;
  timestampOf: (record: SourceRecord) => number;
  bounds: EventTimeBounds;
  delay: number;
}

/**
 * What reading some ranges produced: runs per (stage, executor owning the slot), key `stage * executors + owner`,
 * each in read order, so every partition's records in it are in offset order; stage 0's outputs; unreadable records.
 */
export interface IntakeOutput {
  runs: Map<number, RecordColumns>;
  outputs: OutputTuple[];
  unreadable: Array<[number, UnreadableTuple]>;
}

export class ExecutorIntake {
  private readonly stage0: StageExecutor;
  private readonly owned = new Map<number, OwnedPartition>();
  private out: IntakeOutput = { runs: new Map(), outputs: [], unreadable: [] };
  private pidIndex = -1;
  private offset = -1;
  private stamp = -Infinity;
  private sourceId = '';

  constructor(
    plan: Plan,
    partitions: readonly ExecutorPartition[],
    owns: (pidIndex: number) => boolean,
    baseDir: string,
    /** How many executors there are: a slot's owner is its number modulo that. */
    private readonly executors: number,
  ) {
    this.stage0 = new StageExecutor(
      plan,
      0,
      {
        sink: (sinkId, id, key, value, timestamp, headers) => this.out.outputs.push([sinkId, id, key, value, timestamp, headers ?? null]),
        exit: (stage, id, key, kg, value, timestamp) => {
          const target = stage * this.executors + (slotOfKeyGroup(kg, plan.keyGroups, plan.slots) % this.executors);
          let run = this.out.runs.get(target);
          if (!run) this.out.runs.set(target, (run = new RecordColumns()));
          // A record that still has its source record's id travels without it: the receiver rebuilds it.
          run.push(this.pidIndex, this.offset, timestamp, this.stamp, key, kg, id === this.sourceId ? null : id, value);
        },
      },
      null,
    );
    const sources = new Map<string, SourceState>();
    partitions.forEach((p, pidIndex) => {
      if (!owns(pidIndex)) return;
      let source = sources.get(p.source);
      if (!source) {
        const step = plan.graph.steps.find((s) => s.id === p.source && s.kind === 'source') as StepSpec;
        const connector = createSource(step, plan.graph.name, baseDir);
        const eventTime = step.config.eventTime as EventTimeConfig;
        source = {
          connector,
          timestampOf: eventTimeOf(step),
          bounds: new EventTimeBounds(step.id, eventTime, connector.followsClock === true),
          delay: eventTime.maxOutOfOrderness,
        };
        sources.set(p.source, source);
      }
      this.owned.set(pidIndex, {
        reader: null,
        next: -1,
        idPrefix: sourceIdPrefix(p.source, p.partition),
        partitionId: `${p.source}:${p.partition}`,
        sourceStep: p.source,
        watermark: p.watermark,
        source,
      });
    });
  }

  get counts() {
    return this.stage0.counts;
  }

  set counts(counts) {
    this.stage0.counts = counts;
  }

  /** The partition's watermark now (after the ranges read so far). */
  watermarkOf(pidIndex: number): number {
    return this.owned.get(pidIndex)!.watermark;
  }

  /** Reads `count` records of an owned partition from `from`; what they produce joins the current output. */
  read(pidIndex: number, partition: number, from: number, count: number): void {
    const p = this.owned.get(pidIndex)!;
    const { source } = p;
    if (p.reader === null || p.next !== from) p.reader = source.connector.openPartition!(partition, from);
    const reader = p.reader;
    const origin = this.stage0.origin;
    origin.partitionId = p.partitionId;
    const record: SourceRecord = { partition, offset: -1, key: null, value: undefined, timestamp: null };
    this.pidIndex = pidIndex;
    const end = from + count;
    for (let offset = from; offset < end; offset++) {
      const value = reader.next();
      if (value instanceof Undecodable) {
        this.out.unreadable.push([pidIndex, [offset, value.reason, value.raw, null, null]]);
        continue;
      }
      record.offset = offset;
      record.value = value;
      const timestamp = source.timestampOf(record);
      if (!Number.isFinite(timestamp)) {
        this.out.unreadable.push([pidIndex, [offset, 'no event time: the event-time field is missing or not a number', null, value, null]]);
        continue;
      }
      const rejected = source.bounds.check(partition, timestamp, Date.now());
      if (rejected !== null) {
        this.out.unreadable.push([pidIndex, [offset, rejected.reason, null, value, rejected.bound]]);
        continue;
      }
      this.stamp = p.watermark;
      if (timestamp - source.delay > p.watermark) p.watermark = timestamp - source.delay;
      origin.offset = offset;
      this.offset = offset;
      this.sourceId = p.idPrefix + offset;
      this.stage0.processRecord(p.sourceStep, value, timestamp, this.sourceId, '', 0);
    }
    p.next = end;
  }

  /** What the ranges read since the last take produced; starts a new output. */
  take(): IntakeOutput {
    const out = this.out;
    this.out = { runs: new Map(), outputs: [], unreadable: [] };
    return out;
  }
}
