/**
 * The main thread's intake: polls every source, assigns event time, tracks watermarks per partition, runs stage 0
 * (the stateless steps before the first keyBy) in source order, and hands each keyed record to the mailbox of its
 * slot, stamped with the watermark current when it was read; with several partitions read here, through the source
 * order (source-order.ts), stamped with its partition's watermark. Undecodable records and records without a usable
 * event time, or with one out of bounds (event-time-bounds.ts), go to the dead-letter sink with the reason and their
 * source position. After a restart each partition's watermark starts where it stood at the resume point, so records
 * read again get the stamps they had.
 */
import { pathReader } from '../api/aggregators.js';
import type { Millis } from '../api/types.js';
import type { SourceConnector, SourceRecord } from '../connectors/connector.js';
import type { EventTimeConfig, StepSpec } from '../graph/model.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { FrontierEntry } from './messages.js';
import type { ResumePoint } from './recovery.js';
import { sourceIdPrefix } from './record-id.js';
import type { SourceOrder } from './source-order.js';
import type { StageExecutor } from './stage-executor.js';
import { CombinedWatermark, SourceWatermarks } from './watermarks.js';
import { EventTimeBounds, type EventTimeBound } from './event-time-bounds.js';

export interface IntakeSource {
  step: StepSpec;
  connector: SourceConnector;
  watermarks: SourceWatermarks;
  timestampOf: (record: SourceRecord) => number;
  /** Which event times may move the watermark (event-time-bounds.ts). */
  bounds: EventTimeBounds;
  /** Read by worker threads in ranges (worker-intake.ts), not polled here. */
  inWorkers: boolean;
  done: boolean;
}

export interface IntakeTarget {
  /**
   * The record being routed, for what stage 0 emits: its partition index, offset, watermark stamp, the wall-clock
   * time it was read, and its source id (outputs that keep it need not carry it).
   */
  current: { pidIndex: number; offset: number; watermark: Millis; now: number; sourceId: string };
  deadLetter(source: IntakeSource, record: SourceRecord, reason: string, bound?: EventTimeBound): void;
  /** The source order held too many records and hands `count` on before the watermark allows it. */
  orderOverflow(count: number): void;
}

/** A source step's event time of a record: its function, its field, or the source's own timestamp (NaN: none). */
export function eventTimeOf(step: StepSpec): (record: SourceRecord) => number {
  const et = step.config.eventTime as EventTimeConfig;
  const fn = step.code.timestampOf as ((value: unknown) => number) | undefined;
  const read = et.field === undefined ? null : pathReader(et.field);
  return fn ? (r: SourceRecord) => fn(r.value) : read !== null ? (r: SourceRecord) => Number(read(r.value)) : (r: SourceRecord) => r.timestamp ?? NaN;
}

export function intakeSource(step: StepSpec, connector: SourceConnector, inWorkers: boolean): IntakeSource {
  const et = step.config.eventTime as EventTimeConfig;
  const bounds = new EventTimeBounds(step.id, et, connector.followsClock === true);
  return {
    step,
    connector,
    watermarks: new SourceWatermarks(et.maxOutOfOrderness, et.idleTimeout),
    timestampOf: eventTimeOf(step),
    bounds,
    inWorkers,
    done: false,
  };
}

export class SourceIntake {
  /** Last offset routed per partition id: everything at or before it has been handed to the stages. */
  readonly routed = new Map<string, number>();
  readonly partitionIds: string[] = [];
  private readonly pidIndex = new Map<string, number>();
  /** By partition index: the source's watermarks and the partition number, to read the partition's watermark. */
  private readonly clocks: Array<{ watermarks: SourceWatermarks; partition: number }> = [];
  recordsRead = 0;
  private readonly combined: CombinedWatermark;

  /**
   * `order`: the source order that records leaving stage 0 go through (when several partitions are read here), or
   * null; `resumeAt`: where each partition resumes, whose watermark its clock starts from.
   */
  constructor(
    readonly sources: IntakeSource[],
    private readonly stage0: StageExecutor,
    private readonly target: IntakeTarget,
    readonly order: SourceOrder | null = null,
    resumeAt: ReadonlyMap<string, ResumePoint> = new Map(),
  ) {
    this.combined = new CombinedWatermark(sources.map((s) => s.watermarks));
    const now = Date.now();
    for (const s of sources) {
      s.watermarks.track(s.connector.partitions());
      for (const p of s.connector.partitions()) {
        this.clocks[this.indexOf(`${s.step.id}:${p}`)] = { watermarks: s.watermarks, partition: p };
        const point = resumeAt.get(`${s.step.id}:${p}`);
        if (point && point.watermark > -Infinity) s.watermarks.restore(p, point.watermark, now);
      }
    }
  }

  /** Every source read here is idle (or finished), so nothing held needs to wait for another record. */
  get idle(): boolean {
    return this.combined.idle;
  }

  /**
   * The watermark the keyed stages fed by the sources may go to: the job's, or with a source order, the one its last
   * release went to (records held there may still be stamped below the job's).
   */
  stageWatermark(now: number): Millis {
    const w = this.watermark(now);
    return this.order === null ? w : Math.min(w, this.order.released);
  }

  /**
   * Hands on from the source order what the watermark now allows; everything once the sources are idle or done, or
   * when `starved` (the job may read no more while the order holds this much: the records handed on early are
   * counted in flywheel_order_overflow_total). Returns how many were handed on.
   */
  release(now: number, starved: boolean, take: Parameters<SourceOrder['release']>[2]): number {
    if (this.order === null) return 0;
    const w = this.watermark(now);
    const held = this.order.length;
    const everything = this.finished || this.idle;
    if (starved && !everything) this.target.orderOverflow(held);
    this.order.release(w, everything || starved, take);
    return held - this.order.length;
  }

  /**
   * Per partition read so far: the last offset routed and the partition's watermark there. A record still held in
   * the source order is not routed: the frontier stops just before a partition's first held record.
   */
  frontier(): FrontierEntry[] {
    const entries: FrontierEntry[] = [];
    for (const [pid, offset] of this.routed) {
      const pidIndex = this.pidIndex.get(pid)!;
      const held = this.order?.firstHeld(pidIndex);
      if (held) entries.push([pid, held.offset - 1, held.stamp]);
      else entries.push([pid, offset, this.partitionWatermark(pidIndex)]);
    }
    return entries;
  }

  private partitionWatermark(pidIndex: number): Millis {
    const clock = this.clocks[pidIndex];
    return clock ? clock.watermarks.partitionWatermark(clock.partition) : -Infinity;
  }

  indexOf(partitionId: string): number {
    let i = this.pidIndex.get(partitionId);
    if (i === undefined) {
      i = this.partitionIds.length;
      this.partitionIds.push(partitionId);
      this.pidIndex.set(partitionId, i);
    }
    return i;
  }

  /** The job's watermark: the minimum over its sources that are not idle (watermarks.ts). */
  watermark(now: number): Millis {
    return this.combined.watermark(now);
  }

  get finished(): boolean {
    return this.sources.every((s) => s.done);
  }

  /**
   * Whether a finished source holds its last finite watermark and nothing else holds the job's: every other source
   * is finished too or idle. Once every stage has reached that watermark the end is released (watermarks.ts).
   */
  get endPending(): boolean {
    return this.sources.some((s) => s.done && !s.watermarks.isEndReleased) && this.sources.every((s) => s.done || s.watermarks.idle);
  }

  /** Every finished source goes to +Infinity. */
  releaseEnd(): void {
    for (const s of this.sources) if (s.done) s.watermarks.releaseEnd();
  }

  /** True when every source waits for records inside poll(), so an empty poll already took its time. */
  get pollsWait(): boolean {
    return !this.finished && this.sources.every((s) => s.done || (!s.inWorkers && s.connector.waitsForRecords === true));
  }

  /** Stops the sources fetching ahead (backpressure): a Kafka consumer pauses its partitions. */
  pause(): void {
    for (const s of this.sources) s.connector.pause?.();
  }

  resume(): void {
    for (const s of this.sources) s.connector.resume?.();
  }

  /** Polls each source read on this thread once; returns the number of records read. */
  async poll(max: number): Promise<number> {
    let total = 0;
    for (const source of this.sources) {
      if (source.done || source.inWorkers) continue;
      const records = await source.connector.poll(max);
      total += records.length;
      this.route(source, records);
      if (records.length === 0 && source.connector.finished()) {
        source.done = true;
        source.watermarks.end();
      }
    }
    this.recordsRead += total;
    return total;
  }

  private route(source: IntakeSource, records: SourceRecord[]): void {
    const now = Date.now();
    const stepId = source.step.id;
    const current = this.target.current;
    current.now = now;
    const origin = this.stage0.origin;
    let lastPartition = -1;
    let partitionId = '';
    let idPrefix = '';
    let pidIndex = -1;
    for (const record of records) {
      if (record.partition !== lastPartition) {
        if (lastPartition !== -1) this.routed.set(partitionId, current.offset);
        lastPartition = record.partition;
        partitionId = `${stepId}:${record.partition}`;
        idPrefix = sourceIdPrefix(stepId, record.partition);
        pidIndex = this.indexOf(partitionId);
      }
      current.pidIndex = pidIndex;
      current.offset = record.offset;
      origin.partitionId = partitionId;
      origin.offset = record.offset;
      if (record.error !== undefined) {
        this.routed.set(partitionId, record.offset);
        this.target.deadLetter(source, record, record.error);
        continue;
      }
      const timestamp = source.timestampOf(record);
      if (!Number.isFinite(timestamp)) {
        this.routed.set(partitionId, record.offset);
        this.target.deadLetter(source, record, 'no event time: the event-time field is missing or not a number');
        continue;
      }
      const rejected = source.bounds.check(record.partition, timestamp, now);
      if (rejected !== null) {
        this.routed.set(partitionId, record.offset);
        this.target.deadLetter(source, record, rejected.reason, rejected.bound);
        continue;
      }
      const stamp = source.watermarks.partitionWatermark(record.partition);
      source.watermarks.observe(record.partition, timestamp, now);
      current.watermark = this.order === null ? this.watermark(now) : stamp;
      const id = idPrefix + record.offset;
      current.sourceId = id;
      this.stage0.processRecord(stepId, record.value, timestamp, id, record.key ?? '', 0);
    }
    if (lastPartition !== -1) this.routed.set(partitionId, current.offset);
  }
}

export function sourceError(step: StepSpec, message: string, err: unknown): FlywheelError {
  return new FlywheelError(ErrorCodes.SOURCE, message, { stepId: step.id }, 'check the source configuration and that its origin is reachable', err);
}
