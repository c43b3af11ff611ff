/**
 * Worker intake (runtime setting `intake: workers`): a source that any thread can read by itself (a generator) hands
 * out offset ranges instead of records; a worker thread reads each range, runs stage 0 on it and returns the records
 * packed per destination slot (intake-worker.ts). The main thread only appends those runs to the slot mailboxes,
 * so its cost is per range, not per record, as a Flink source subtask runs beside the others. Order and the recovery
 * contract are those of main-thread intake: one range of a partition in flight at a time, handed on in offset order;
 * each range's records are stamped with the job's watermark when it was claimed (never ahead of what was read); the
 * partition's watermark observes the range's greatest event time, and its routed offset moves, only once the
 * range's records are queued.
 */
import { sinkRecord } from '../connectors/connector.js';
import type { Plan } from '../graph/planner.js';
import { unpackList } from './batch-codec.js';
import { FlywheelError } from '../core/errors.js';
import type { IntakeResult, JobRef, OutputTuple } from './messages.js';
import type { JobMetrics } from './metrics.js';
import type { SlotScheduler } from './slot-scheduler.js';
import type { IntakeSource, SourceIntake } from './source-intake.js';
import type { Stage0Outputs } from './stage0-outputs.js';
import type { WorkerPool } from './worker-pool.js';

/** The most records of one partition a single range holds. */
const MAX_RANGE = 8192;

export interface WorkerIntakeDeps {
  plan: Plan;
  job: JobRef;
  baseDir: string;
  intake: SourceIntake;
  pool: WorkerPool;
  scheduler: SlotScheduler;
  stage0Outputs: Stage0Outputs;
  metrics: JobMetrics;
  /** After a range was handed on: deliver what stage 0 sent to sinks (and write the stage-0 frontier). */
  routed(): void;
  fail(err: unknown): void;
  wake(): void;
}

export class WorkerIntake {
  /** Records claimed and not yet queued in slot mailboxes. */
  inFlightRecords = 0;
  private readonly busy = new Map<IntakeSource, Set<number>>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly sources: IntakeSource[],
    private readonly deps: WorkerIntakeDeps,
  ) {
    for (const s of sources) this.busy.set(s, new Set());
  }

  /** Claims up to `max` records in ranges over the partitions with no range in flight and sends them to the workers. */
  claim(max: number): void {
    const now = Date.now();
    for (const source of this.sources) {
      if (source.done) continue;
      const busy = this.busy.get(source)!;
      const open = source.connector.partitions().length - busy.size;
      const ranges = max > 0 && open > 0 ? source.connector.claim!(Math.min(max, MAX_RANGE * open), busy) : [];
      for (const range of ranges) {
        max -= range.count;
        busy.add(range.partition);
        this.inFlightRecords += range.count;
        const pidIndex = this.deps.intake.indexOf(`${source.step.id}:${range.partition}`);
        const stamp = this.deps.intake.watermark(now);
        const task = {
          intake: true as const,
          job: this.deps.job,
          graphHash: this.deps.plan.graph.hash,
          slots: this.deps.plan.slots,
          baseDir: this.deps.baseDir,
          source: source.step.id,
          partition: range.partition,
          pidIndex,
          from: range.from,
          count: range.count,
          stamp,
        };
        const done = this.deps.pool.runIntake(task).then(
          (result) => this.onRange(source, range.partition, pidIndex, range.from, range.count, stamp, result),
          (err: unknown) => this.deps.fail(err),
        );
        this.inFlight.add(done);
        void done.finally(() => this.inFlight.delete(done));
      }
      this.markDone(source);
    }
  }

  private onRange(source: IntakeSource, partition: number, pidIndex: number, from: number, count: number, stamp: number, result: IntakeResult): void {
    this.busy.get(source)!.delete(partition);
    this.inFlightRecords -= count;
    if (this.stopped) return;
    if (result.error) {
      this.deps.fail(FlywheelError.fromPlain(result.error));
      return;
    }
    const { intake, scheduler, stage0Outputs } = this.deps;
    const now = Date.now();
    try {
      this.deps.metrics.addCounts(result.counts);
      for (const [offset, reason, raw, value, bound] of result.unreadable)
        stage0Outputs.deadLetter(source, { partition, offset, key: null, value, ...(raw === null ? {} : { raw }) }, reason, bound ?? undefined);
      for (const [sink, id, key, value, timestamp, headers] of unpackList<OutputTuple>(result.outputs)) {
        stage0Outputs.add(sink, sinkRecord(id, key, value, timestamp, headers));
      }
    } catch (err) {
      this.deps.fail(err);
      return;
    }
    if (Number.isFinite(result.maxTimestamp)) source.watermarks.observe(partition, result.maxTimestamp, now);
    for (const chunk of result.chunks) {
      scheduler.routeRun(chunk.stage, chunk.slot, now, {
        records: chunk.records,
        length: chunk.length,
        pidIndex,
        firstOffset: chunk.firstOffset,
        watermark: stamp,
      });
    }
    intake.routed.set(`${source.step.id}:${partition}`, from + count - 1);
    intake.recordsRead += count;
    scheduler.routedVersion++;
    this.markDone(source);
    this.deps.routed();
    this.deps.wake();
  }

  /** A source is done once it has handed out its last range and every range of it is queued. */
  private markDone(source: IntakeSource): void {
    if (!source.done && this.busy.get(source)!.size === 0 && source.connector.finished()) {
      source.done = true;
      source.watermarks.end();
    }
  }

  /** Ranges that come back from now on are dropped (their records were not routed, so a restart reads them again). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }
}
