/**
 * Runs a planned job: opens state, sinks and sources (at the offsets state says were applied), restores what a
 * crash left (outputs not yet acknowledged, records not yet handed to the next stage), then loops: poll sources
 * (stage 0 runs here, on the main thread, or in the workers for sources they read, see worker-intake.ts; its
 * outputs go through stage0-outputs.ts), let the slot scheduler (slot-scheduler.ts) send batches to the worker
 * pool, deliver outputs, and pause polling while too much is queued (backpressure.ts). A bounded job ends when
 * every source is finished and everything is applied and delivered; an unbounded one runs until stopped, waiting
 * then at most `stopTimeout` for its sinks. What it says of itself (readiness, progress) is in run-status.ts.
 */
import type { Millis } from '../api/types.js';
import { sinkRecord, type SinkConnector } from '../connectors/connector.js';
import { planGraph, type Plan } from '../graph/planner.js';
import { closeState, openState, type StateDatabases } from '../state/backend.js';
import { lockStateDir, type StateDirLock } from '../state/state-dir-lock.js';
import { storageFailure } from '../state/storage-errors.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { JobMetrics } from './metrics.js';
import type { RetryHooks } from './connect-retry.js';
import { openSinks, openSources } from './open-connectors.js';
import { RecentDeadLetters } from './recent-dead-letters.js';
import { SinkDelivery } from './sink-delivery.js';
import { LoopWaker } from './loop-waker.js';
import { Stage0Outputs } from './stage0-outputs.js';
import { checkStateLayout, resumePoints, startOffsets, unappliedForwards } from './recovery.js';
import { storedOutputs } from '../state/outbox-chunks.js';
import { forwardedRun } from './slot-mailbox.js';
import { SlotScheduler } from './slot-scheduler.js';
import { intakeSource, SourceIntake } from './source-intake.js';
import { SourceOrder, type HeldRecord } from './source-order.js';
import { StageExecutor } from './stage-executor.js';
import { WorkerIntake } from './worker-intake.js';
import { WorkerPool } from './worker-pool.js';
import { Backpressure } from './backpressure.js';
import type { RunOptions, RunStatus, RunSummary } from './run-options.js';
import { notReadyReasons, reportStatusEvery, runStatus, stopWaits, type RunningParts } from './run-status.js';

export class JobRunner {
  readonly plan: Plan;
  readonly metrics: JobMetrics;
  /** The latest dead letters delivered, for the console (recent-dead-letters.ts). */
  readonly recentDeadLetters = new RecentDeadLetters();
  private dbs!: StateDatabases;
  private stateLock: StateDirLock | null = null;
  private pool!: WorkerPool;
  private intake!: SourceIntake;
  private delivery!: SinkDelivery;
  private stage0!: StageExecutor;
  private readonly sinks = new Map<string, SinkConnector>();
  private scheduler!: SlotScheduler;
  private workerIntake!: WorkerIntake;
  private readonly current = { pidIndex: -1, offset: -1, watermark: -Infinity, now: 0, sourceId: '' };
  private stage0Outputs!: Stage0Outputs;
  private failure: FlywheelError | null = null;
  private readonly waker = new LoopWaker();
  private stopping = false;
  private markStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));
  /** Per connector that is still being opened, why it is not open yet. */
  private readonly startupWaits = new Map<string, string>();
  private backpressure: Backpressure | null = null;
  private readonly maxRecords: number;
  private readonly maxDelay: Millis;
  private readonly frontierInterval: Millis;
  private readonly commitInterval: Millis;
  private readonly stopTimeout: Millis;
  /** Outputs still unacknowledged when a stop's `stopTimeout` ran out. */
  private undelivered = 0;
  ready = false;
  /** What start-up is doing, or that the job has stopped: the readiness reason while not ready. */
  private phase = 'not started';
  private markOpened!: () => void;
  /** Resolves once state, sources and sinks are open and the job processes records. */
  readonly opened = new Promise<void>((resolve) => (this.markOpened = resolve));

  constructor(private readonly options: RunOptions) {
    this.plan = planGraph(options.graph, options.slots);
    this.metrics = new JobMetrics(options.graph.name);
    this.maxRecords = options.batch?.maxRecords ?? 8192;
    this.maxDelay = options.batch?.maxDelay ?? 5;
    this.frontierInterval = options.frontierInterval ?? 1_000;
    this.commitInterval = options.commitInterval ?? 100;
    this.stopTimeout = options.stopTimeout ?? 10_000;
    options.signal?.addEventListener('abort', () => this.stop());
  }

  get watermark(): Millis {
    return this.intake?.watermark(Date.now()) ?? -Infinity;
  }

  get state(): StateDatabases {
    return this.dbs;
  }

  stop(): void {
    this.stopping = true;
    this.markStopped();
    this.waker.wake();
  }

  async run(): Promise<RunSummary> {
    const status = this.options.onStatus
      ? reportStatusEvery(
          this.options.statusInterval ?? 5_000,
          (elapsed, readBefore, appliedBefore) => this.status(elapsed, readBefore, appliedBefore),
          this.options.onStatus,
        )
      : null;
    let offsets: NodeJS.Timeout | undefined;
    try {
      await this.open();
      offsets = setInterval(() => void this.commitSourceOffsets(), 1_000);
      await this.loop();
    } catch (err) {
      this.fail(err);
    } finally {
      clearInterval(offsets);
      if (status) clearInterval(status);
      await this.close().catch((err: unknown) => this.fail(err));
    }
    if (this.failure) throw this.failure;
    return { recordsRead: this.intake.recordsRead, batches: this.scheduler.batches, watermark: this.watermark, undelivered: this.undelivered };
  }

  /** Readiness reasons: empty when the job is open and every source and sink can reach its destination. */
  notReadyReasons(): string[] {
    return notReadyReasons(this.parts());
  }

  /** What stopping waits for (said on Ctrl-C). */
  stopWaits(): string {
    return stopWaits(this.parts());
  }

  status(elapsedMs: number, readBefore: number, appliedBefore = 0): RunStatus {
    return runStatus(this.parts(), elapsedMs, readBefore, appliedBefore);
  }

  private parts(): RunningParts {
    return {
      ready: this.ready,
      phase: this.phase,
      stopping: this.stopping,
      startupWaits: this.startupWaits,
      plan: this.plan,
      metrics: this.metrics,
      watermark: this.watermark,
      intake: this.intake,
      sinks: this.sinks,
      delivery: this.delivery,
      scheduler: this.scheduler,
      backpressure: this.backpressure,
      intakeInFlight: this.workerIntake?.inFlightRecords ?? 0,
      stopTimeout: this.stopTimeout,
    };
  }

  /**
   * Takes the job's state directory (FW_ERR_STATE when another process holds it) before anything opens it; run()
   * takes it itself unless this was called first (launch.ts does, to open the directory for the query endpoint).
   */
  async takeStateDir(): Promise<void> {
    this.stateLock ??= await lockStateDir(this.options.stateDir);
  }

  /** Gives the state directory up: after run() ends, or when a caller that locked it never runs the job. */
  releaseStateDir(): void {
    this.stateLock?.release();
    this.stateLock = null;
  }

  private async open(): Promise<void> {
    const { graph } = this.plan;
    this.phase = `opening the state directory ${this.options.stateDir}`;
    await this.takeStateDir();
    this.dbs = openState(this.options.stateDir);
    checkStateLayout(this.dbs, this.plan, this.options.stateDir);
    const baseDir = this.options.baseDir ?? process.cwd();
    const hooksFor = (connector: string, stepId: string) => this.retryHooks(connector, stepId);
    this.phase = 'opening sinks';
    for (const [id, sink] of await openSinks(graph, baseDir, hooksFor, this.recentDeadLetters)) this.sinks.set(id, sink);
    this.delivery = new SinkDelivery(this.sinks, this.dbs, {
      writeFailed: (sink) => this.metrics.sinkWriteFailures.inc({ sink }),
      fail: (err) => this.fail(err),
      deadLetterSink: graph.settings.deadLetter,
      deadLettered: (sink, n) => this.metrics.addCounts({ [sink]: { in: 0, out: 0, errors: n, skipped: 0, deadLettered: n, late: 0 } }),
    });
    this.stage0Outputs = new Stage0Outputs({
      deadLetterSink: graph.settings.deadLetter,
      delivery: this.delivery,
      dbs: this.dbs,
      metrics: this.metrics,
      fail: (err) => this.fail(err),
    });
    this.stage0 = new StageExecutor(
      this.plan,
      0,
      {
        sink: (sinkId, id, key, value, timestamp, headers) => this.stage0Outputs.add(sinkId, sinkRecord(id, key, value, timestamp, headers)),
        exit: (stage, id, key, kg, value, timestamp) => {
          const c = this.current;
          // A record that still has its source record's id travels without it: the worker rebuilds it.
          const shortId = id === c.sourceId ? null : id;
          if (this.intake.order)
            this.intake.order.hold({ stage, now: c.now, pidIndex: c.pidIndex, offset: c.offset, timestamp, stamp: c.watermark, key, kg, id: shortId, value });
          else this.scheduler.route(stage, c.now, c.pidIndex, c.offset, timestamp, c.watermark, key, kg, shortId, value);
        },
      },
      null,
    );
    const resumeAt = resumePoints(this.dbs, this.plan);
    this.phase = 'opening sources';
    const opened = await openSources(graph, baseDir, startOffsets(this.dbs, this.plan), hooksFor);
    const sources = opened.map(({ step, connector }) => intakeSource(step, connector, this.options.intake === 'workers' && connector.claim !== undefined));
    // Records of several partitions read here reach the keyed stages in an order that depends on the input alone.
    const partitionsReadHere = sources.filter((s) => !s.inWorkers).reduce((n, s) => n + s.connector.partitions().length, 0);
    const order = this.plan.stages.length > 1 && partitionsReadHere > 1 ? new SourceOrder() : null;
    this.intake = new SourceIntake(
      sources,
      this.stage0,
      {
        current: this.current,
        deadLetter: (source, record, reason, bound) => this.stage0Outputs.deadLetter(source, record, reason, bound),
        orderOverflow: (count) => this.metrics.orderOverflow.inc(count),
      },
      order,
      resumeAt,
    );
    this.backpressure = new Backpressure(this.options.maxQueued ?? 200_000, this.intake);
    // A job with no keyed stage whose sources are all read on this thread gives worker threads nothing: none start.
    const threads = this.plan.stages.length > 1 || sources.some((s) => s.inWorkers) ? this.options.workers : 0;
    this.phase = `starting ${threads} worker threads`;
    this.pool = new WorkerPool(threads, this.options.placement ?? 'any', this.options.workerNiceness ?? 0, this.options.stateCacheBytes);
    await this.pool.start();
    this.scheduler = new SlotScheduler({
      plan: this.plan,
      pool: this.pool,
      intake: this.intake,
      metrics: this.metrics,
      job: this.options.job,
      stateDir: this.options.stateDir,
      batch: { maxRecords: this.maxRecords, maxDelay: this.maxDelay },
      maxQueued: this.backpressure.maxQueued,
      frontierInterval: this.frontierInterval,
      commitInterval: this.commitInterval,
      deliver: (outputs) => void this.delivery.deliverStored(outputs),
      fail: (err) => this.fail(err),
      wake: () => this.waker.wake(),
    });
    this.workerIntake = new WorkerIntake(
      sources.filter((s) => s.inWorkers),
      {
        plan: this.plan,
        job: this.options.job,
        baseDir,
        intake: this.intake,
        pool: this.pool,
        scheduler: this.scheduler,
        stage0Outputs: this.stage0Outputs,
        metrics: this.metrics,
        routed: () => this.commitStage0Progress(),
        fail: (err) => this.fail(err),
        wake: () => this.waker.wake(),
      },
    );
    this.restoreAfterCrash();
    this.ready = true;
    this.markOpened();
  }

  private retryHooks(connector: string, stepId: string): RetryHooks {
    return {
      waiting: (wait) => {
        if (wait === null) return void this.startupWaits.delete(connector);
        this.startupWaits.set(connector, wait.reason);
        this.options.onRetry?.(stepId, wait);
      },
      stopped: this.stopped,
    };
  }

  /** Redelivers outputs a crash left unacknowledged and re-routes records not yet applied by their next stage. */
  private restoreAfterCrash(): void {
    for (const stored of storedOutputs(this.dbs.outbox)) void this.delivery.deliverStored(stored);
    const now = Date.now();
    for (const c of unappliedForwards(this.dbs)) this.scheduler.routeRun(c.stage, c.slot, now, forwardedRun(c.records, c.length, -Infinity));
  }

  /** Tells each source what state has applied (a Kafka source commits it to its group, for lag monitoring). */
  private async commitSourceOffsets(): Promise<void> {
    const next = startOffsets(this.dbs, this.plan);
    for (const s of this.intake.sources) {
      if (!s.connector.commit) continue;
      const applied = new Map<number, number>();
      for (const p of s.connector.partitions()) {
        const offset = next.get(`${s.step.id}:${p}`);
        if (offset !== undefined) applied.set(p, offset);
      }
      await s.connector.commit(applied);
    }
  }

  private async loop(): Promise<void> {
    const backpressure = this.backpressure!;
    while (!this.failure) {
      const held = this.intake.order?.length ?? 0;
      const applying = this.scheduler.queuedRecords() + this.workerIntake.inFlightRecords;
      // The bound is on what the queue holds and will hold once keyed stages forward what they apply (fan-out.ts).
      this.scheduler.fanOut.observeSources(this.intake.recordsRead, this.scheduler.routedFromSources + held);
      const projected = () => this.scheduler.projectedRecords(this.intake.order?.length ?? 0, this.workerIntake.inFlightRecords);
      let polled = 0;
      let polledAndWaited = false;
      const polling = !this.stopping && backpressure.allowsPolling(projected(), this.delivery.pending);
      if (polling) {
        // Source records that fit (one at least when nothing is queued: a fan-out above the bound must not stall).
        const perRead = this.scheduler.fanOut.weights()[0]!;
        const roomFor = () => Math.max(applying + held === 0 ? 1 : 0, Math.floor((backpressure.maxQueued - projected()) / perRead));
        this.workerIntake.claim(roomFor());
        // Ranges just claimed count: the room left after them is what this poll may read.
        const room = roomFor();
        if (room > 0) {
          polled = await this.intake.poll(Math.min(4096, room));
          polledAndWaited = this.intake.pollsWait;
        }
        if (polled > 0) this.scheduler.routedVersion++;
      }
      // Paused with nothing left to apply but records in the source order: only reading on would let the order hand
      // them on, so they go now, before the watermark allows it (counted in flywheel_order_overflow_total).
      const starved = !polling && held > 0 && applying === 0;
      // Records handed on move the sources' frontier: every slot's committed frontier is behind again.
      if (this.intake.release(Date.now(), starved, this.routeReleased) > 0) this.scheduler.routedVersion++;
      if (polling) this.commitStage0Progress();
      backpressure.observe(this.scheduler.queuedRecords() + (this.intake.order?.length ?? 0) + this.workerIntake.inFlightRecords);
      this.metrics.queued.set(this.scheduler.queuedRecords());
      this.metrics.outboxPending.set(this.delivery.pending);
      const waitMs = this.stopping
        ? this.scheduler.commitApplied()
        : this.scheduler.dispatch(this.intake.finished, (this.intake.order?.length ?? 0) + this.workerIntake.inFlightRecords);
      if (this.stopping && this.scheduler.drained) break;
      if (!this.intake.order?.length) {
        // Every stage is at the finished sources' last finite watermark: now +Infinity fires what remains
        // (watermarks.ts); the job ends once every source is finished and nothing is left to fire.
        if (this.intake.endPending && this.scheduler.caughtUp()) {
          this.intake.releaseEnd();
          continue;
        }
        if (this.intake.finished && this.scheduler.allIdle()) break;
      }
      if ((polled === 0 && !polledAndWaited) || this.stopping) await this.waker.sleep(waitMs);
    }
    await this.workerIntake.stop();
    if (this.failure) return;
    this.commitStage0Progress(true);
    await this.outputsDelivered();
  }

  /**
   * Waits until every output made so far is acknowledged by its sink; once the job is asked to stop, for at most
   * `stopTimeout`, so that a sink that stays unreachable cannot keep the job from stopping. What is left then is
   * counted as undelivered: outputs of keyed steps stay in the outbox and stage 0's records are read again.
   */
  private async outputsDelivered(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const delivered = Promise.all([this.delivery.drain(), this.stage0Outputs.settled()]).then(() => true);
    const timedOut = this.stopped.then(() => new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.stopTimeout))));
    try {
      if (!(await Promise.race([delivered, timedOut]))) this.undelivered = this.delivery.pending;
    } finally {
      clearTimeout(timer);
    }
  }

  /** After a poll: stage 0's counts to the metrics, its outputs delivered, then its source frontier. */
  private commitStage0Progress(force = false): void {
    this.metrics.addCounts(this.stage0.counts);
    this.stage0.counts = {};
    this.stage0Outputs.commit(this.intake.frontier(), force);
  }

  /** Queues a record the source order handed on in its slot's mailbox. */
  private readonly routeReleased = (r: HeldRecord): void => {
    this.scheduler.route(r.stage, r.now, r.pidIndex, r.offset, r.timestamp, r.stamp, r.key, r.kg, r.id, r.value);
  };

  private fail(err: unknown): void {
    if (!this.failure) {
      this.failure =
        storageFailure(err, this.options.stateDir) ??
        (err instanceof FlywheelError ? err : new FlywheelError(ErrorCodes.INTERNAL, (err as Error)?.message ?? String(err), {}, undefined, err));
    }
    this.waker.wake();
  }

  /** Liveness (/healthz): false once the job has failed and is stopping, so a supervisor restarts it. */
  get live(): boolean {
    return this.failure === null;
  }

  private async close(): Promise<void> {
    this.ready = false;
    this.phase = 'closing: worker threads, sources, sinks and state';
    this.delivery?.stop();
    await this.workerIntake?.stop();
    await Promise.allSettled([...(this.scheduler?.inFlightTasks ?? [])]);
    await this.pool?.close();
    for (const s of this.intake?.sources ?? []) await s.connector.close();
    for (const sink of this.sinks.values()) await sink.close();
    await closeState(this.options.stateDir);
    this.releaseStateDir();
    this.phase = this.failure ? `stopped: failed with ${this.failure.code}` : this.stopping ? 'stopped' : 'finished: every source read to its end and applied';
  }
}
