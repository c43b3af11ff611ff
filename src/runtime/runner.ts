/**
 * Runs a planned job: opens state, sinks and sources (at the offsets state says were applied), restores what a
 * crash left (outputs not yet acknowledged, records not yet handed to the next stage), then loops: poll sources,
 * route records to slot mailboxes, dispatch at most one batch per slot to the worker pool, deliver outputs, route
 * forwarded records, advance watermarks. A bounded job ends when every source is finished and everything is
 * applied and delivered; an unbounded one runs until stopped.
 */
import type { Millis } from '../api/types.js';
import type { SinkConnector, SinkRecord } from '../connectors/connector.js';
import { sinkType, sourceType } from '../connectors/registry.js';
import type { ConnectorSpec, JobGraph } from '../graph/model.js';
import { planGraph, slotOfKeyGroup, type Plan } from '../graph/planner.js';
import { closeState, openState, type StateDatabases } from '../state/backend.js';
import { appliedKey, metaKey } from '../state/keys.js';
import { packList, unpackList } from './batch-codec.js';
import { ErrorCodes, FlywheelError } from './errors.js';
import type { BatchRecord, ForwardTuple, JobRef, OutputTuple, SlotResult, SlotTask } from './messages.js';
import { JobMetrics } from './metrics.js';
import { checkedOptions } from './connector-options.js';
import { SinkDelivery } from './sink-delivery.js';
import { SlotMailbox } from './slot-mailbox.js';
import { intakeSource, SourceIntake, sourceError, type IntakeSource } from './source-intake.js';
import { StageExecutor } from './stage-executor.js';
import { WorkerPool, type SlotPlacement } from './worker-pool.js';

export interface RunOptions {
  job: JobRef;
  graph: JobGraph;
  stateDir: string;
  workers: number;
  slots?: number;
  /** Slot placement on worker threads (see worker-pool.ts); default `any`. */
  placement?: SlotPlacement;
  /** Largest batch a slot is sent, and the longest a record waits for more to join it (ms). */
  batch?: { maxRecords?: number; maxDelay?: Millis };
  /** Directory that connector paths are relative to. */
  baseDir?: string;
  /** Most records read but not yet applied; polling pauses above it (backpressure). */
  maxQueued?: number;
  /** How often each idle slot commits the source frontier (ms). */
  frontierInterval?: Millis;
  signal?: AbortSignal;
  /** Called every `statusInterval` ms (default 5 s) with a progress snapshot. */
  onStatus?: (status: RunStatus) => void;
  statusInterval?: Millis;
}

export interface RunStatus {
  recordsRead: number;
  recordsPerSecond: number;
  watermark: Millis;
  /** Records waiting in the sources (consumer lag) where they can tell, else null. */
  sourceLag: number | null;
  queued: number;
  outboxPending: number;
  batches: number;
}

export interface RunSummary {
  recordsRead: number;
  batches: number;
  watermark: Millis;
}

const STAGE0_SLOT = 0;

export class JobRunner {
  readonly plan: Plan;
  readonly metrics: JobMetrics;
  private dbs!: StateDatabases;
  private pool!: WorkerPool;
  private intake!: SourceIntake;
  private delivery!: SinkDelivery;
  private stage0!: StageExecutor;
  private readonly sinks = new Map<string, SinkConnector>();
  private readonly mailboxes: SlotMailbox[][] = [];
  private readonly sourceFed: boolean[] = [];
  private readonly current = { pidIndex: -1, offset: -1, watermark: -Infinity };
  /** Outputs stage 0 produced during the current poll, per sink: delivered together after the poll. */
  private stage0Outputs = new Map<string, SinkRecord[]>();
  private stage0Progress: Promise<void> = Promise.resolve();
  private stage0ProgressAt = 0;
  private routedVersion = 0;
  private readonly frontierVersion = new Map<SlotMailbox, number>();
  private inFlightRecords = 0;
  private readonly inFlightTasks = new Set<Promise<void>>();
  private batches = 0;
  private failure: FlywheelError | null = null;
  private wake: (() => void) | null = null;
  private stopping = false;
  private readonly maxRecords: number;
  private readonly maxDelay: Millis;
  private readonly maxQueued: number;
  private readonly frontierInterval: Millis;
  ready = false;
  private markOpened!: () => void;
  /** Resolves once state, sources and sinks are open and the job processes records. */
  readonly opened = new Promise<void>((resolve) => (this.markOpened = resolve));

  constructor(private readonly options: RunOptions) {
    this.plan = planGraph(options.graph, options.slots);
    this.metrics = new JobMetrics(options.graph.name);
    this.maxRecords = options.batch?.maxRecords ?? 8192;
    this.maxDelay = options.batch?.maxDelay ?? 5;
    this.maxQueued = options.maxQueued ?? 200_000;
    this.frontierInterval = options.frontierInterval ?? 1_000;
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
    this.wake?.();
  }

  async run(): Promise<RunSummary> {
    await this.open();
    const status = this.options.onStatus ? this.reportStatus(this.options.onStatus) : null;
    const offsets = setInterval(() => void this.commitSourceOffsets(), 1_000);
    try {
      await this.loop();
    } finally {
      clearInterval(offsets);
      if (status) clearInterval(status);
      await this.close();
    }
    if (this.failure) throw this.failure;
    return { recordsRead: this.intake.recordsRead, batches: this.batches, watermark: this.watermark };
  }

  /** Readiness reasons: empty when the job is open and every source and sink can reach its destination. */
  notReadyReasons(): string[] {
    if (!this.ready) return ['job is starting or stopping'];
    const reasons: string[] = [];
    for (const s of this.intake.sources) {
      const h = s.connector.health?.();
      if (h && !h.ready) reasons.push(`source ${s.step.id}: ${h.reason ?? 'not ready'}`);
    }
    for (const sink of this.sinks.values()) {
      const h = sink.health?.();
      if (h && !h.ready) reasons.push(`sink ${sink.id}: ${h.reason ?? 'not ready'}`);
    }
    if (this.delivery.lastError) reasons.push(this.delivery.lastError);
    return reasons;
  }

  status(elapsedMs: number, readBefore: number): RunStatus {
    let lag: number | null = null;
    for (const s of this.intake.sources) {
      const perPartition = s.connector.lag?.();
      if (!perPartition) continue;
      for (const [partition, n] of perPartition) {
        lag = (lag ?? 0) + n;
        this.metrics.consumerLag.set({ source: s.step.id, partition: String(partition) }, n);
      }
    }
    const watermark = this.watermark;
    for (const stage of this.plan.stages) {
      if (stage.entry !== null && Number.isFinite(watermark)) this.metrics.watermarkLag.set({ stage: String(stage.index) }, Date.now() - watermark);
    }
    return {
      recordsRead: this.intake.recordsRead,
      recordsPerSecond: elapsedMs > 0 ? ((this.intake.recordsRead - readBefore) * 1000) / elapsedMs : 0,
      watermark,
      sourceLag: lag,
      queued: this.queuedRecords(),
      outboxPending: this.delivery.pending,
      batches: this.batches,
    };
  }

  private reportStatus(onStatus: (s: RunStatus) => void): NodeJS.Timeout {
    let last = Date.now();
    let readBefore = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      const s = this.status(now - last, readBefore);
      last = now;
      readBefore = s.recordsRead;
      onStatus(s);
    }, this.options.statusInterval ?? 5_000);
    timer.unref();
    return timer;
  }

  private async open(): Promise<void> {
    const { graph } = this.plan;
    this.dbs = openState(this.options.stateDir);
    this.checkLayout();
    const baseDir = this.options.baseDir ?? process.cwd();
    for (const step of graph.steps.filter((s) => s.kind === 'sink')) {
      const spec = step.config.connector as ConnectorSpec;
      const type = sinkType(spec.type);
      const sink = type!.create(checkedOptions(step, spec, type), { jobName: graph.name, baseDir, stepId: step.id });
      await sink.open();
      this.sinks.set(step.id, sink);
    }
    this.delivery = new SinkDelivery(this.sinks, this.dbs);
    this.stage0 = new StageExecutor(this.plan, 0, {
      sink: (sinkId, id, key, value, timestamp, headers) => this.stage0Output(sinkId, { id, key, value, timestamp, ...(headers ? { headers } : {}) }),
      exit: (stage, id, key, kg, value, timestamp) => this.route(stage, [this.current.pidIndex, this.current.offset, timestamp, this.current.watermark, key, kg, id, value]),
    }, null);
    for (const stage of this.plan.stages) {
      this.mailboxes.push(Array.from({ length: this.plan.slots }, (_, slot) => new SlotMailbox(stage.index, slot)));
      this.sourceFed.push(stage.entry !== null && stage.upstream.includes(0));
    }
    const startOffsets = this.startOffsets();
    const sources: IntakeSource[] = [];
    for (const step of graph.steps.filter((s) => s.kind === 'source')) {
      const spec = step.config.connector as ConnectorSpec;
      const type = sourceType(spec.type);
      const connector = type!.create(checkedOptions(step, spec, type), { jobName: graph.name, baseDir, stepId: step.id });
      const offsets = new Map<number, number>();
      for (const [pid, next] of startOffsets) if (pid.startsWith(`${step.id}:`)) offsets.set(Number(pid.slice(step.id.length + 1)), next);
      try {
        await connector.open({ startOffsets: offsets });
      } catch (err) {
        throw err instanceof FlywheelError ? err : sourceError(step, `source failed to open: ${(err as Error).message}`, err);
      }
      sources.push(intakeSource(step, connector));
    }
    this.intake = new SourceIntake(sources, this.stage0, {
      current: this.current,
      deadLetter: (source, record, reason) => this.deadLetterAtSource(source, record, reason),
    });
    this.pool = new WorkerPool(this.options.workers, this.options.placement ?? 'any');
    await this.pool.start();
    this.restoreAfterCrash();
    this.ready = true;
    this.markOpened();
  }

  /** Key groups and slots shape the stored state; a state directory written with others cannot be read. */
  private checkLayout(): void {
    const layout = { keyGroups: this.plan.keyGroups, slots: this.plan.slots };
    const stored = this.dbs.progress.get(metaKey('layout')) as typeof layout | undefined;
    if (stored && (stored.keyGroups !== layout.keyGroups || stored.slots !== layout.slots)) {
      throw new FlywheelError(ErrorCodes.STATE, `state in ${this.options.stateDir} was written with ${stored.keyGroups} key groups over ${stored.slots} slots, the job now has ${layout.keyGroups} over ${layout.slots}`, {}, 'run with the same keyGroups and slots, or start from an empty state directory');
    }
    if (!stored) this.dbs.progress.putSync(metaKey('layout'), layout);
  }

  /** Per source partition, the next offset to read: one past the smallest frontier any stage holds for it. */
  private startOffsets(): Map<string, number> {
    const frontiers = new Map<string, Map<string, number>>();
    for (const { key, value } of this.dbs.progress.getRange({ start: ['applied'], end: ['applied\u0000'] })) {
      const [, stage, slot, pid] = key as [string, number, number, string];
      const holder = `${stage}/${slot}`;
      let perPid = frontiers.get(pid);
      if (!perPid) frontiers.set(pid, (perPid = new Map()));
      perPid.set(holder, value as number);
    }
    const holders = [`0/${STAGE0_SLOT}`];
    this.sourceFed.forEach((fed, stage) => {
      if (fed) for (let slot = 0; slot < this.plan.slots; slot++) holders.push(`${stage}/${slot}`);
    });
    const next = new Map<string, number>();
    for (const [pid, perPid] of frontiers) {
      let min = Infinity;
      for (const h of holders) min = Math.min(min, perPid.get(h) ?? -1);
      next.set(pid, min + 1);
    }
    return next;
  }

  /** Tells each source what state has applied (a Kafka source commits it to its group, for lag monitoring). */
  private async commitSourceOffsets(): Promise<void> {
    const next = this.startOffsets();
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

  /** Redelivers outputs a crash left unacknowledged and re-routes records not yet applied by their next stage. */
  private restoreAfterCrash(): void {
    const bySink = new Map<string, SinkRecord[]>();
    for (const { key, value } of this.dbs.outbox.getRange({})) {
      const [sink, id] = key as [string, string];
      const [k, v, timestamp, headers] = value as [string | null, unknown, number, Record<string, string> | null];
      const list = bySink.get(sink) ?? [];
      list.push({ id, key: k, value: v, timestamp, ...(headers ? { headers } : {}) });
      bySink.set(sink, list);
    }
    for (const [sink, records] of bySink) if (this.sinks.has(sink)) void this.delivery.deliver(sink, records, true);
    for (const { key, value } of this.dbs.forward.getRange({})) {
      const [stage, id] = key as [number, string];
      const [k, kg, v, timestamp] = value as [string, number, unknown, number];
      this.route(stage, [-1, -1, timestamp, -Infinity, k, kg, id, v]);
    }
  }

  private deadLetterAtSource(source: IntakeSource, record: { partition: number; offset: number; key: string | null; value: unknown; raw?: string }, reason: string): void {
    const dlq = this.plan.graph.settings.deadLetter;
    const where = `${source.connector.origin} partition ${record.partition} offset ${record.offset}`;
    if (dlq === undefined) {
      throw new FlywheelError(ErrorCodes.BAD_RECORD, `${reason} (${where})`, { stepId: source.step.id, partition: record.partition, offset: record.offset }, 'declare a deadLetter sink so bad records are kept with their reason instead of stopping the job');
    }
    const headers = { 'flywheel-reason': reason, 'flywheel-step': source.step.id, 'flywheel-source': `${source.step.id}:${record.partition}@${record.offset}` };
    const value = { reason, step: source.step.id, source: source.connector.origin, partition: record.partition, offset: record.offset, record: record.raw ?? record.value ?? null };
    this.stage0Output(dlq, { id: `${source.step.id}/${record.partition}/${record.offset}/dead-letter`, key: record.key, value, timestamp: Date.now(), headers });
    this.metrics.addCounts({ [source.step.id]: { in: 1, out: 0, errors: 1, skipped: 0, deadLettered: 1, late: 0 } });
  }

  private stage0Output(sinkId: string, record: SinkRecord): void {
    let list = this.stage0Outputs.get(sinkId);
    if (!list) this.stage0Outputs.set(sinkId, (list = []));
    list.push(record);
  }

  private route(stage: number, record: BatchRecord): void {
    const slot = slotOfKeyGroup(record[5], this.plan.keyGroups, this.plan.slots);
    this.mailboxes[stage]![slot]!.push(record, Date.now());
  }

  private async loop(): Promise<void> {
    while (!this.failure) {
      const queued = this.queuedRecords();
      let polled = 0;
      if (!this.stopping && queued < this.maxQueued && this.delivery.pending < this.maxQueued) {
        polled = await this.intake.poll(Math.min(4096, this.maxQueued - queued));
        if (polled > 0) this.routedVersion++;
        this.commitStage0Progress();
      }
      this.metrics.queued.set(this.queuedRecords());
      this.metrics.outboxPending.set(this.delivery.pending);
      const waitMs = this.dispatch();
      if (this.stopping && this.inFlightRecords === 0 && this.allInFlightDone()) break;
      if (this.intake.finished && this.allIdle()) break;
      if (polled === 0 || this.stopping) await this.sleep(waitMs);
    }
    if (this.failure) return;
    this.commitStage0Progress(true);
    await this.delivery.drain();
    await this.stage0Progress;
  }

  /** After stage 0's outputs of a poll are acknowledged, its frontier moves past the records that produced them. */
  private commitStage0Progress(force = false): void {
    this.metrics.addCounts(this.stage0.counts);
    this.stage0.counts = {};
    const pending = [...this.stage0Outputs].map(([sinkId, records]) => this.delivery.deliver(sinkId, records, false));
    this.stage0Outputs = new Map();
    // The frontier is written at most every 100 ms (each write waits for LMDB's writer lock); a later write covers the
    // polls in between, and it runs only after their outputs were acknowledged, since the chain is in order.
    const now = Date.now();
    const write = force || now - this.stage0ProgressAt >= 100;
    const routed = write ? [...this.intake.routed] : [];
    if (write) this.stage0ProgressAt = now;
    this.stage0Progress = this.stage0Progress
      .then(() => Promise.all(pending))
      .then(() => {
        if (routed.length) this.dbs.env.transactionSync(() => routed.forEach(([pid, offset]) => this.dbs.progress.putSync(appliedKey(0, STAGE0_SLOT, pid), offset)));
      })
      .catch((err: unknown) => this.fail(err));
  }

  /**
   * Sends slots their batches while the pool has room, oldest waiting records first; returns how long to wait before
   * the next look (ms). A slot that cannot be sent keeps collecting records, so its next batch is larger.
   */
  private dispatch(): number {
    const now = Date.now();
    // With nothing to read, look again within 50 ms (sooner when a batch or frontier is due). Waking more often cuts
    // many tiny slot batches, whose fixed cost (a task and an LMDB commit each) then dominates: measured on the demo.
    let wait = 50;
    const ending = this.intake.finished || this.stopping;
    const ready: Array<{ box: SlotMailbox; inputWatermark: Millis; since: number }> = [];
    for (const stage of this.plan.stages) {
      if (stage.entry === null) continue;
      const inputWatermark = this.inputWatermark(stage.index, now);
      for (const box of this.mailboxes[stage.index]!) {
        if (box.inFlight) continue;
        if (box.queue.length > 0) {
          const age = now - box.oldestAt;
          if (box.queue.length >= this.maxRecords || age >= this.maxDelay || ending) ready.push({ box, inputWatermark, since: box.oldestAt });
          else wait = Math.min(wait, this.maxDelay - age);
          continue;
        }
        const timersDue = inputWatermark > box.watermark && box.nextTimer <= inputWatermark;
        const frontierBehind = this.sourceFed[stage.index]! && (this.frontierVersion.get(box) ?? -1) < this.routedVersion;
        if (timersDue || (frontierBehind && (ending || now - box.frontierAt >= this.frontierInterval))) ready.push({ box, inputWatermark, since: now });
        else if (frontierBehind) wait = Math.min(wait, this.frontierInterval - (now - box.frontierAt));
      }
    }
    ready.sort((a, b) => a.since - b.since);
    for (const { box, inputWatermark } of ready) if (this.pool.hasRoomFor(box.slot)) this.send(box, inputWatermark, now);
    return Math.max(1, wait);
  }

  private send(box: SlotMailbox, inputWatermark: Millis, now: number): void {
    const records = box.take(this.maxRecords);
    const remainder = box.queue;
    // With records left behind, the batch may only claim what it holds: its watermark is its last record's stamp
    // and, for a partition with records still queued, its frontier stops just before the first of them.
    const watermark = remainder.length > 0 ? Math.max(box.watermark, records[records.length - 1]![3]) : Math.max(box.watermark, inputWatermark);
    const frontier: Array<[string, number]> = [];
    if (this.sourceFed[box.stage]) {
      const firstQueued = new Map<number, number>();
      for (const r of remainder) if (r[0] >= 0 && !firstQueued.has(r[0])) firstQueued.set(r[0], r[1]);
      for (const [pid, offset] of this.intake.routed) {
        const queuedAt = firstQueued.get(this.intake.indexOf(pid));
        frontier.push([pid, queuedAt === undefined ? offset : queuedAt - 1]);
      }
      this.frontierVersion.set(box, remainder.length > 0 ? -1 : this.routedVersion);
      box.frontierAt = now;
    }
    const task: SlotTask = {
      job: this.options.job,
      graphHash: this.plan.graph.hash,
      stateDir: this.options.stateDir,
      slots: this.plan.slots,
      pinned: this.pool.placement === 'pinned',
      stage: box.stage,
      slot: box.slot,
      startWatermark: box.watermark,
      watermark,
      partitionIds: this.intake.partitionIds,
      frontier,
      records: packList(records),
    };
    box.inFlight = true;
    this.inFlightRecords += records.length;
    this.batches++;
    const started = process.hrtime.bigint();
    const done = this.pool.run(task).then(
      (result) => this.onResult(box, records.length, result!, started),
      (err: unknown) => this.fail(err),
    );
    this.inFlightTasks.add(done);
    void done.finally(() => this.inFlightTasks.delete(done));
  }

  private onResult(box: SlotMailbox, count: number, result: SlotResult, started: bigint): void {
    this.inFlightRecords -= count;
    this.metrics.batchSeconds.observe({ stage: String(box.stage) }, Number(process.hrtime.bigint() - started) / 1e9);
    if (result.error) {
      this.fail(FlywheelError.fromPlain(result.error));
      return;
    }
    this.metrics.addCounts(result.counts);
    if (result.skipped) this.metrics.replaySkipped.inc(result.skipped);
    const bySink = new Map<string, SinkRecord[]>();
    for (const [sink, id, key, value, timestamp, headers] of unpackList<OutputTuple>(result.outputs)) {
      const list = bySink.get(sink) ?? [];
      list.push({ id, key, value, timestamp, ...(headers ? { headers } : {}) });
      bySink.set(sink, list);
    }
    for (const [sink, records] of bySink) this.delivery.deliver(sink, records, true).catch((err: unknown) => this.fail(err));
    const now = Date.now();
    for (const [stage, id, key, kg, value, timestamp] of unpackList<ForwardTuple>(result.forwards)) {
      this.route(stage, [-1, -1, timestamp, this.inputWatermark(stage, now), key, kg, id, value]);
    }
    box.watermark = result.watermark;
    box.nextTimer = result.nextTimer;
    box.inFlight = false;
    this.metrics.watermark.set({ stage: String(box.stage) }, Number.isFinite(result.watermark) ? result.watermark : 0);
    this.wake?.();
  }

  /** The watermark a stage's input has reached: the sources' for a source-fed stage, else its upstream stages'. */
  private inputWatermark(stage: number, now: number): Millis {
    const upstream = this.plan.stages[stage]!.upstream;
    let min = Infinity;
    for (const u of upstream) min = Math.min(min, u === 0 ? this.intake.watermark(now) : this.stageWatermark(u, now));
    return min;
  }

  /** A stage's output watermark: the least a slot has reached; an idle slot with nothing due counts as caught up. */
  private stageWatermark(stage: number, now: number): Millis {
    const input = this.inputWatermark(stage, now);
    let min = Infinity;
    for (const box of this.mailboxes[stage]!) min = Math.min(min, box.idleAt(input) ? input : box.watermark);
    return min;
  }

  private queuedRecords(): number {
    let n = this.inFlightRecords;
    for (const stage of this.mailboxes) for (const box of stage) n += box.queue.length;
    return n;
  }

  private allInFlightDone(): boolean {
    return this.mailboxes.every((stage) => stage.every((b) => !b.inFlight));
  }

  private allIdle(): boolean {
    const now = Date.now();
    for (const stage of this.plan.stages) {
      if (stage.entry === null) continue;
      const input = this.inputWatermark(stage.index, now);
      for (const box of this.mailboxes[stage.index]!) {
        if (!box.idleAt(input)) return false;
        if (this.sourceFed[stage.index] && (this.frontierVersion.get(box) ?? -1) < this.routedVersion) return false;
      }
    }
    return true;
  }

  private fail(err: unknown): void {
    if (!this.failure) this.failure = err instanceof FlywheelError ? err : new FlywheelError(ErrorCodes.INTERNAL, (err as Error)?.message ?? String(err), {}, undefined, err);
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  private async close(): Promise<void> {
    this.ready = false;
    this.delivery?.stop();
    await Promise.allSettled([...this.inFlightTasks]);
    await this.pool?.close();
    for (const s of this.intake?.sources ?? []) await s.connector.close();
    for (const sink of this.sinks.values()) await sink.close();
    await closeState(this.options.stateDir);
  }
}

