/**
 * Schedules slot batches: one ordered mailbox per (stage, slot), at most one batch in flight per slot, batches sent
 * to the pool while it has room (oldest waiting records first), each batch cut with the watermark and the source
 * frontier it may claim, and told whether to commit (a pinned slot commits once per `commitInterval`, or sooner when
 * the job ends or the queue is full; a slot with nothing to apply is sent an empty batch to commit when its interval
 * is up). Results come back with the slot's new watermark and earliest timer, and, from a commit, the outputs for the
 * sinks and the records for the next stage. Also answers what the runner's loop needs to know: how much is queued
 * (and, weighed by each stage's fan-out, fan-out.ts, how much that will become), the watermark each stage's input
 * has reached, and whether everything is idle.
 */
import type { Millis } from '../api/types.js';
import { slotOfKeyGroup, sourceFedStages, type Plan } from '../graph/planner.js';
import { unpackList } from './batch-codec.js';
import { FlywheelError } from '../core/errors.js';
import type { FrontierEntry, JobRef, OutputTuple, SlotResult, SlotTask } from './messages.js';
import type { StoredOutputs } from '../state/outbox-chunks.js';
import type { JobMetrics } from './metrics.js';
import { FanOut } from './fan-out.js';
import { forwardedRun, SlotMailbox, type PackedRun } from './slot-mailbox.js';
import type { SourceIntake } from './source-intake.js';
import type { WorkerPool } from './worker-pool.js';

export interface SchedulerDeps {
  plan: Plan;
  pool: WorkerPool;
  intake: SourceIntake;
  metrics: JobMetrics;
  job: JobRef;
  stateDir: string;
  /** Largest batch a slot is sent, and the longest a record waits for more to join it (ms). */
  batch: { maxRecords: number; maxDelay: Millis };
  /** The queue bound (backpressure.ts): a batch whose forwards would take the queue past it waits (fan-out.ts). */
  maxQueued: number;
  /** How often each idle source-fed slot commits the source frontier (ms). */
  frontierInterval: Millis;
  /** Longest a pinned slot applies batches without committing them (ms); 0 commits every batch. */
  commitInterval: Millis;
  /** Outputs of a committed batch, to deliver (they are in the outbox until acknowledged). */
  deliver(outputs: StoredOutputs): void;
  fail(err: unknown): void;
  /** Wakes the runner's loop (a batch finished). */
  wake(): void;
}

export class SlotScheduler {
  private readonly mailboxes: SlotMailbox[][];
  private readonly sourceFed: boolean[];
  private readonly frontierVersion = new Map<SlotMailbox, number>();
  /** Bumped whenever sources routed records: a slot whose committed frontier is older must commit again. */
  routedVersion = 0;
  /** Records in batches sent and not yet returned. */
  inFlightRecords = 0;
  /** Per stage, records in batches in flight. */
  private readonly inFlightByStage: number[];
  /** Per stage, records applied by pinned slots and not yet committed (their forwards are still to come). */
  private readonly uncommittedByStage: number[];
  /** Records read from sources that reached a mailbox (one record read may reach several stages, or none). */
  routedFromSources = 0;
  readonly fanOut: FanOut;
  readonly inFlightTasks = new Set<Promise<void>>();
  batches = 0;
  /** Records the slots applied. */
  appliedRecords = 0;

  constructor(private readonly deps: SchedulerDeps) {
    this.mailboxes = deps.plan.stages.map((stage) => Array.from({ length: deps.plan.slots }, (_, slot) => new SlotMailbox(stage.index, slot)));
    this.sourceFed = sourceFedStages(deps.plan);
    this.inFlightByStage = deps.plan.stages.map(() => 0);
    this.uncommittedByStage = deps.plan.stages.map(() => 0);
    this.fanOut = new FanOut(deps.plan);
  }

  /** True when no batch is in flight and every slot has committed what it applied. */
  get drained(): boolean {
    return this.inFlightRecords === 0 && this.mailboxes.every((stage) => stage.every((b) => !b.inFlight && !b.commitPending));
  }

  /**
   * Queues a record read from a source on the main thread in its slot's mailbox: its source partition index and
   * offset, event time, the watermark when it was read, key, key group, id (null when it is its source position's)
   * and value; `now` is the wall-clock time it arrived.
   */
  route(
    stage: number,
    now: number,
    pidIndex: number,
    offset: number,
    timestamp: number,
    watermark: number,
    key: string,
    keyGroup: number,
    id: string | null,
    value: unknown,
  ): void {
    const slot = slotOfKeyGroup(keyGroup, this.deps.plan.keyGroups, this.deps.plan.slots);
    this.routedFromSources++;
    this.mailboxes[stage]![slot]!.push(now, pidIndex, offset, timestamp, watermark, key, keyGroup, id, value);
  }

  /** Queues a run of records a worker packed for one slot (read from a source, or a forward chunk). */
  routeRun(stage: number, slot: number, now: number, run: PackedRun): void {
    if (run.pidIndex >= 0) this.routedFromSources += run.length;
    this.mailboxes[stage]![slot]!.pushRun(now, run);
  }

  /**
   * Sends slots their batches while the pool has room, oldest waiting records first; returns how long to wait before
   * the next look (ms). A slot that cannot be sent keeps collecting records, so its next batch is larger.
   * `queuedOutside`: records queued that the mailboxes do not hold yet (in the source order, in intake ranges).
   */
  dispatch(ending: boolean, queuedOutside = 0): number {
    const now = Date.now();
    // With nothing to read, look again within 50 ms (sooner when a batch or frontier is due). Waking more often cuts
    // many tiny slot batches, whose fixed cost (a task and an LMDB commit each) then dominates: measured on the demo.
    let wait = 50;
    let queued = this.queuedRecords() + queuedOutside;
    // At the bound, records do not wait for more to join them: applying them is what makes room.
    const full = queued >= this.deps.maxQueued;
    const ready: Array<{ box: SlotMailbox; inputWatermark: Millis; since: number }> = [];
    for (const stage of this.deps.plan.stages) {
      if (stage.entry === null) continue;
      const inputWatermark = this.inputWatermark(stage.index, now);
      for (const box of this.mailboxes[stage.index]!) {
        if (box.inFlight) continue;
        if (box.length > 0) {
          const age = now - box.oldestAt;
          if (box.length >= this.deps.batch.maxRecords || age >= this.deps.batch.maxDelay || ending || full)
            ready.push({ box, inputWatermark, since: box.oldestAt });
          else wait = Math.min(wait, this.deps.batch.maxDelay - age);
          continue;
        }
        const timersDue = inputWatermark > box.watermark && box.nextTimer <= inputWatermark;
        const frontierBehind = this.sourceFed[stage.index]! && (this.frontierVersion.get(box) ?? -1) < this.routedVersion;
        const commitDue = box.commitPending && (ending || full || now - box.committedAt >= this.deps.commitInterval);
        if (timersDue || commitDue || (frontierBehind && (ending || now - box.frontierAt >= this.deps.frontierInterval))) {
          if (box.dueSince === 0) box.dueSince = now;
          ready.push({ box, inputWatermark, since: box.dueSince });
        } else {
          box.dueSince = 0;
          if (frontierBehind) wait = Math.min(wait, this.deps.frontierInterval - (now - box.frontierAt));
          if (box.commitPending) wait = Math.min(wait, this.deps.commitInterval - (now - box.committedAt));
        }
      }
    }
    // A stage that forwards more than it applies grows the queue: while that would pass the bound, batches that do
    // not grow it (later stages, which make room) go first, whatever their age; the others wait while batches in
    // flight will make room. Until one of its batches has shown its ratio, one batch of a forwarding stage at a
    // time. With nothing in flight a batch goes anyway: the overshoot is one batch.
    const growing = (growth: number) => (growth > 0 && queued + growth > this.deps.maxQueued ? 1 : 0);
    const withGrowth = ready.map((r) => ({ ...r, growth: this.fanOut.growth(r.box.stage, Math.min(r.box.length, this.deps.batch.maxRecords)) }));
    withGrowth.sort((a, b) => growing(a.growth) - growing(b.growth) || a.since - b.since);
    for (const { box, inputWatermark, growth } of withGrowth) {
      if (!this.deps.pool.hasRoomFor(box.slot)) continue;
      if (this.inFlightRecords > 0 && (growing(growth) || (this.fanOut.unknown(box.stage) && this.inFlightByStage[box.stage]! > 0))) continue;
      queued += growth;
      this.send(box, inputWatermark, now, ending || full || now - box.committedAt >= this.deps.commitInterval);
    }
    return Math.max(1, wait);
  }

  /**
   * On the way out (the job is stopping): sends no more records, only a commit to each slot that has applied records
   * it has not committed yet; what stays queued is applied after the next start (its sources read it again, or it is
   * in the forward table). Returns how long to wait before the next look (ms).
   */
  commitApplied(): number {
    const now = Date.now();
    for (const stage of this.mailboxes) {
      for (const box of stage) if (box.commitPending && !box.inFlight) this.send(box, box.watermark, now, true, 0);
    }
    return 50;
  }

  private send(box: SlotMailbox, inputWatermark: Millis, now: number, commit: boolean, maxRecords = this.deps.batch.maxRecords): void {
    const records = box.take(maxRecords);
    box.dueSince = 0;
    // With records left behind, the batch may only claim what it holds: its watermark is its last record's stamp
    // and, for a partition with records still queued, its frontier stops just before the first of them.
    const watermark = box.length > 0 ? Math.max(box.watermark, records.lastWatermark) : Math.max(box.watermark, inputWatermark);
    const frontier: FrontierEntry[] = [];
    if (this.sourceFed[box.stage]) {
      const firstQueued = box.length > 0 ? box.firstQueued() : new Map<number, [number, Millis]>();
      for (const entry of this.deps.intake.frontier()) {
        const queued = firstQueued.get(this.deps.intake.indexOf(entry[0]));
        frontier.push(queued === undefined ? entry : [entry[0], queued[0] - 1, queued[1]]);
      }
      this.frontierVersion.set(box, box.length > 0 ? -1 : this.routedVersion);
      box.frontierAt = now;
    }
    const task: SlotTask = {
      job: this.deps.job,
      graphHash: this.deps.plan.graph.hash,
      stateDir: this.deps.stateDir,
      slots: this.deps.plan.slots,
      pinned: this.deps.pool.placement === 'pinned',
      commit,
      stage: box.stage,
      slot: box.slot,
      startWatermark: box.watermark,
      watermark,
      partitionIds: this.deps.intake.partitionIds,
      frontier,
      records: records.runs,
      stamps: records.stamps,
    };
    box.inFlight = true;
    this.inFlightRecords += records.length;
    this.inFlightByStage[box.stage]! += records.length;
    this.batches++;
    const started = process.hrtime.bigint();
    const done = this.deps.pool.run(task).then(
      (result) => this.onResult(box, records.length, result!, started),
      (err: unknown) => this.deps.fail(err),
    );
    this.inFlightTasks.add(done);
    void done.finally(() => this.inFlightTasks.delete(done));
  }

  private onResult(box: SlotMailbox, count: number, result: SlotResult, started: bigint): void {
    this.inFlightRecords -= count;
    this.inFlightByStage[box.stage]! -= count;
    this.appliedRecords += count;
    this.deps.metrics.batchSeconds.observe({ stage: String(box.stage) }, Number(process.hrtime.bigint() - started) / 1e9);
    if (result.error) {
      this.deps.fail(FlywheelError.fromPlain(result.error));
      return;
    }
    this.deps.metrics.addCounts(result.counts);
    if (result.skipped) this.deps.metrics.replaySkipped.inc(result.skipped);
    if (result.outputs) this.deps.deliver({ keys: [result.outputs.key], outputs: unpackList<OutputTuple>(result.outputs.outputs) });
    const now = Date.now();
    let forwarded = 0;
    for (const { stage, slot, length, records } of result.forwards) {
      this.routeRun(stage, slot, now, forwardedRun(records, length, this.inputWatermark(stage, now)));
      forwarded += length;
    }
    box.uncommitted += count;
    this.uncommittedByStage[box.stage]! += count;
    box.commitPending = !result.committed;
    if (result.committed) {
      this.fanOut.observe(box.stage, box.uncommitted, forwarded);
      this.uncommittedByStage[box.stage]! -= box.uncommitted;
      box.uncommitted = 0;
      box.committedAt = now;
      box.committedWatermark = result.watermark;
    }
    box.watermark = result.watermark;
    box.nextTimer = result.nextTimer;
    box.inFlight = false;
    this.deps.metrics.watermark.set({ stage: String(box.stage) }, Number.isFinite(result.watermark) ? result.watermark : 0);
    this.deps.wake();
  }

  /** The watermark a stage's input has reached: the sources' for a source-fed stage, else its upstream stages'. */
  inputWatermark(stage: number, now: number): Millis {
    const upstream = this.deps.plan.stages[stage]!.upstream;
    let min = Infinity;
    for (const u of upstream) min = Math.min(min, u === 0 ? this.deps.intake.stageWatermark(now) : this.stageWatermark(u, now));
    return min;
  }

  /** A stage's output watermark: the least a slot has committed; an idle slot with nothing due counts as caught up. */
  private stageWatermark(stage: number, now: number): Millis {
    const input = this.inputWatermark(stage, now);
    let min = Infinity;
    for (const box of this.mailboxes[stage]!) min = Math.min(min, box.idleAt(input) ? input : box.committedWatermark);
    return min;
  }

  /** Records routed and not yet applied: queued in mailboxes or in batches in flight. */
  queuedRecords(): number {
    let n = this.inFlightRecords;
    for (const stage of this.mailboxes) for (const box of stage) n += box.length;
    return n;
  }

  /**
   * What the records queued will at most become before they leave the queue (fan-out.ts): those in mailboxes and in
   * flight, plus `held` records that left stage 0 for a source-fed stage and `unread` source records claimed.
   */
  projectedRecords(held: number, unread: number): number {
    const weights = this.fanOut.weights();
    let n = unread * weights[0]!;
    let sourceFedWeight = 1;
    for (const stage of this.deps.plan.stages) {
      if (stage.entry === null) continue;
      let queued = this.inFlightByStage[stage.index]! + this.uncommittedByStage[stage.index]!;
      for (const box of this.mailboxes[stage.index]!) queued += box.length;
      n += queued * weights[stage.index]!;
      if (this.sourceFed[stage.index]) sourceFedWeight = Math.max(sourceFedWeight, weights[stage.index]!);
    }
    return n + held * sourceFedWeight;
  }

  /** Nothing queued, running or uncommitted, no timer due, every source-fed slot's frontier committed. */
  allIdle(): boolean {
    return this.idle(false);
  }

  /**
   * As allIdle, but a slot whose own watermark is already its input's counts as caught up even with a timer due: a
   * timer registered behind the watermark fires only when the watermark next moves (the end of input releases it).
   */
  caughtUp(): boolean {
    return this.idle(true);
  }

  private idle(timersMayWait: boolean): boolean {
    const now = Date.now();
    for (const stage of this.deps.plan.stages) {
      if (stage.entry === null) continue;
      const input = this.inputWatermark(stage.index, now);
      for (const box of this.mailboxes[stage.index]!) {
        const waiting = timersMayWait && box.length === 0 && !box.inFlight && !box.commitPending && box.watermark >= input;
        if (!waiting && !box.idleAt(input)) return false;
        if (this.sourceFed[stage.index] && (this.frontierVersion.get(box) ?? -1) < this.routedVersion) return false;
      }
    }
    return true;
  }
}
