/**
 * One executor of the executor runtime (docs/runtime.md, "Executors"), a long-lived task on a worker thread of its
 * own. It owns the slots (of every keyed stage) and the source partitions whose number modulo the executor count is
 * its own. Per round the coordinator hands out (ranges of every partition), it reads its partitions' ranges, runs
 * stage 0 and sends each other executor, straight through a port between the two, the records for its slots and the
 * watermark of each partition it read; once every executor's part of the round is in, it applies, in (stamp,
 * partition, offset) order, every record the job's watermark allows (source-order.ts), then moves its slots' watermark.
 * Every `commitInterval` it commits its slots (executor-slots.ts); the forward chunks a commit stored go to the
 * other executors owning their slots, with the watermark each slot committed, and outputs go to the coordinator.
 */
import { slotOfKeyGroup, sourceFedStages, type Plan } from '../graph/planner.js';
import { openState } from '../state/backend.js';
import { packList } from './batch-codec.js';
import { ExecutorIntake } from './executor-intake.js';
import type { CoordinatorMessage, ExecutorReport, ExecutorTask, PeerMessage, RoundRange } from './executor-messages.js';
import { ExecutorSlots } from './executor-slots.js';
import type { FrontierEntry } from './messages.js';
import { packColumns, unpackColumns, type RecordColumns, type UnpackedColumns } from './record-columns.js';
import { sourceIdPrefix } from './record-id.js';
import { unappliedForwards } from './recovery.js';
import { RunOrder, type HeldColumns } from './run-order.js';
import { addCounts, type StepCounts } from './step-metrics.js';
import { checkedPlan } from './worker-plans.js';
import { ErrorCodes, toPlainError } from '../core/errors.js';

/** Records of one stage for this executor's slots, every partition's in offset order. */
type Runs = Array<[stage: number, records: RecordColumns | UnpackedColumns]>;

interface Round {
  ranges: RoundRange[] | null;
  /** What this executor tells the coordinator once the round is applied (its stage 0's part of it). */
  done: ExecutorReport | null;
  /** Records for this executor's slots, from itself and each other executor, and how many parts are in. */
  runs: Runs[];
  parts: number;
  watermarks: Array<[number, number]>;
}

export async function runExecutor(task: ExecutorTask): Promise<void> {
  const plan = await checkedPlan(task.job, task.slots, task.graphHash);
  return new Executor(plan, task).run();
}

class Executor {
  private readonly slots: ExecutorSlots;
  private readonly intake: ExecutorIntake;
  /** Per source-fed stage, its records held until the job's watermark passes their stamps. */
  private readonly orders: RunOrder[];
  /** Per stage, what applies a record its order hands on. */
  private readonly appliers: Array<(columns: HeldColumns, i: number) => void>;
  private readonly sourceFed: boolean[];
  private readonly partitionIds: string[];
  private readonly idPrefixes: string[];
  /** Every partition's watermark as this executor knows it, and the last offset read of it in a round applied. */
  private readonly partitionWatermark: number[];
  private readonly readTo: number[];
  /** The watermark the sources have reached: the least over partitions, after the last round applied. */
  private sourceWatermark = -Infinity;
  /** Per stage, per slot, the watermark its last commit stored (all executors' slots). */
  private readonly committed: Float64Array[];
  private readonly rounds = new Map<number, Round>();
  private nextRound = 0;
  private lastCommit = Date.now();
  /** Whether source records were applied or read since the last commit: the source-fed slots' frontier moved. */
  private sourcesMoved = false;
  /** How many rounds the input took, once the coordinator said it is all read. */
  private endAt: number | null = null;
  private commitTimer: NodeJS.Timeout | undefined;
  private applyScheduled = false;
  private finished = false;
  private readonly counts: StepCounts[] = [];
  private resolve!: () => void;

  constructor(
    private readonly plan: Plan,
    private readonly task: ExecutorTask,
  ) {
    const { index, count } = task;
    const dbs = openState(task.stateDir);
    this.slots = new ExecutorSlots(plan, dbs, (slot) => slot % count === index);
    this.intake = new ExecutorIntake(plan, task.partitions, (pid) => pid % count === index, task.baseDir, count);
    this.sourceFed = sourceFedStages(plan);
    this.orders = plan.stages.map(() => new RunOrder());
    this.appliers = plan.stages.map((_, stage) => (columns: HeldColumns, i: number) => this.applyHeld(stage, columns, i));
    this.partitionIds = task.partitions.map((p) => `${p.source}:${p.partition}`);
    this.idPrefixes = task.partitions.map((p) => sourceIdPrefix(p.source, p.partition));
    this.partitionWatermark = task.partitions.map((p) => p.watermark);
    this.readTo = task.partitions.map((p) => p.next - 1);
    this.committed = plan.stages.map(() => new Float64Array(plan.slots).fill(-Infinity));
    // Records a commit of an earlier run forwarded to this executor's slots and that they have not applied.
    for (const c of unappliedForwards(dbs)) if (c.slot % count === index) this.slots.applyChunk(this.slots.slot(c.stage, c.slot), c.records);
  }

  run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.resolve = resolve));
    this.task.coordinator.on('message', (m: CoordinatorMessage) => this.guard(() => this.onCoordinator(m)));
    this.task.peers.forEach((port) => port?.on('message', (m: PeerMessage) => this.guard(() => this.onPeer(m))));
    // A slot with nothing new to read still commits what it applied, fired or was forwarded within the interval.
    this.commitTimer = setInterval(() => this.guard(() => this.commitIfDue()), Math.max(1, this.task.commitInterval));
    return done;
  }

  private guard(step: () => void): void {
    if (this.finished) return;
    try {
      step();
    } catch (err) {
      this.finish(err);
    }
  }

  private onCoordinator(m: CoordinatorMessage): void {
    if (m.kind === 'round') this.readRound(m.round, m.ranges);
    else if (m.kind === 'end') {
      this.endAt = m.rounds;
      this.applyRounds();
    } else {
      this.commit();
      this.finish(null);
    }
  }

  private onPeer(m: PeerMessage): void {
    if (m.kind === 'records') {
      const round = this.round(m.round);
      round.runs.push(m.runs.map(([stage, packed]) => [stage, unpackColumns(packed)]));
      round.watermarks.push(...m.watermarks);
      round.parts++;
      this.applyRounds();
      return;
    }
    for (const c of m.chunks) this.slots.applyChunk(this.slots.slot(c.stage, c.slot), c.records);
    this.observeCommitted(m.watermarks);
    if (this.drained) this.settleEnd();
  }

  /** Whether every round of the input has been applied. */
  private get drained(): boolean {
    return this.endAt !== null && this.nextRound === this.endAt;
  }

  private round(n: number): Round {
    let round = this.rounds.get(n);
    if (!round) this.rounds.set(n, (round = { ranges: null, done: null, runs: [], parts: 0, watermarks: [] }));
    return round;
  }

  /** Reads this executor's partitions' ranges of a round, keeps its own slots' records, sends the rest. */
  private readRound(n: number, ranges: RoundRange[]): void {
    const { index, count } = this.task;
    for (const [pid, from, length] of ranges) {
      if (pid % count === index) this.intake.read(pid, this.task.partitions[pid]!.partition, from, length);
    }
    const out = this.intake.take();
    const watermarks: Array<[number, number]> = [];
    for (const [pid] of ranges) if (pid % count === index) watermarks.push([pid, this.intake.watermarkOf(pid)]);
    const perExecutor: Runs[] = Array.from({ length: count }, () => []);
    for (const [target, run] of out.runs) perExecutor[target % count]!.push([Math.floor(target / count), run]);
    this.task.peers.forEach((port, peer) => {
      if (!port) return;
      const runs = perExecutor[peer]!.map(([stage, run]) => [stage, packColumns(run as RecordColumns)] as [number, Uint8Array]);
      port.postMessage({ kind: 'records', round: n, runs, watermarks } satisfies PeerMessage);
    });
    const round = this.round(n);
    round.ranges = ranges;
    round.runs.push(perExecutor[index]!);
    round.watermarks.push(...watermarks);
    round.parts++;
    this.counts.push(this.intake.counts);
    this.intake.counts = {};
    // Reported once applied: the coordinator's rounds in flight then bound what is read ahead and held.
    round.done = { kind: 'round-done', round: n, outputs: packList(out.outputs), unreadable: out.unreadable, watermarks, counts: {} };
    this.applyRounds();
  }

  /**
   * Applies rounds after the messages already queued are handled: a round handed out meanwhile is read and sent on
   * first, so the other executors have its records by the time they want them.
   */
  private applyRounds(): void {
    if (this.applyScheduled) return;
    this.applyScheduled = true;
    setImmediate(() =>
      this.guard(() => {
        this.applyScheduled = false;
        this.applyReadyRounds();
      }),
    );
  }

  /** Applies, in round order, every round whose parts are all in. */
  private applyReadyRounds(): void {
    for (;;) {
      const round = this.rounds.get(this.nextRound);
      if (!round || round.ranges === null || round.parts < this.task.count) break;
      this.rounds.delete(this.nextRound++);
      this.applyRound(round);
      this.report(round.done!);
    }
    if (this.drained) {
      // The sources' last finite watermark (the greatest of their partitions', as every executor knows them once
      // every round is applied) comes before +Infinity, for every stage (watermarks.ts says why).
      let last = -Infinity;
      for (const w of this.partitionWatermark) if (w > last) last = w;
      this.release(last, true);
      this.settleEnd();
    } else this.commitIfDue();
  }

  private commitIfDue(): void {
    if (this.drained) this.settleEnd();
    else if (Date.now() - this.lastCommit >= this.task.commitInterval) this.commit();
  }

  private applyRound(round: Round): void {
    for (const [pid, watermark] of round.watermarks) if (watermark > this.partitionWatermark[pid]!) this.partitionWatermark[pid] = watermark;
    for (const [pid, from, length] of round.ranges!) if (from + length - 1 > this.readTo[pid]!) this.readTo[pid] = from + length - 1;
    this.sourcesMoved = true;
    for (const runs of round.runs) for (const [stage, r] of runs) this.orders[stage]!.hold(r);
    let watermark = Infinity;
    for (const w of this.partitionWatermark) if (w < watermark) watermark = w;
    this.release(watermark, false);
  }

  /** Applies every held record stamped below `watermark` (every one with `everything`), then moves the stages' watermarks. */
  private release(watermark: number, everything: boolean): void {
    this.orders.forEach((order, stage) => order.release(watermark, everything, this.appliers[stage]!));
    if (watermark > this.sourceWatermark) this.sourceWatermark = watermark;
    this.advanceStages();
  }

  private applyHeld(stage: number, r: HeldColumns, i: number): void {
    const kg = r.keyGroup[i]!;
    const pid = r.pidIndex[i]!;
    const offset = r.offset[i]!;
    const s = this.slots.slot(stage, slotOfKeyGroup(kg, this.plan.keyGroups, this.plan.slots));
    const id = r.id[i] ?? this.idPrefixes[pid]! + offset;
    this.slots.applySource(s, this.partitionIds[pid]!, offset, r.watermark[i]!, r.value[i], r.timestamp[i]!, id, r.key[i]!, kg);
  }

  /** Each keyed stage's input watermark: the sources' for what they feed, the committed one of upstream stages. */
  private advanceStages(): void {
    for (const stage of this.plan.stages) {
      if (stage.entry === null) continue;
      let input = Infinity;
      for (const u of stage.upstream) {
        if (u === 0) input = Math.min(input, this.sourceWatermark);
        else for (const w of this.committed[u]!) input = Math.min(input, w);
      }
      if (input > -Infinity) this.slots.advance(stage.index, input);
    }
  }

  /** The frontier a source-fed slot commits: per partition, up to the first record still held, else what was read. */
  private frontier(stage: number): FrontierEntry[] | null {
    if (!this.sourceFed[stage] || !this.sourcesMoved) return null;
    const entries: FrontierEntry[] = [];
    this.partitionIds.forEach((pid, i) => {
      let held: { offset: number; stamp: number } | null = null;
      for (const order of this.orders) {
        const first = order.firstHeld(i);
        if (first && (!held || first.offset < held.offset)) held = first;
      }
      if (held) entries.push([pid, held.offset - 1, held.stamp]);
      else if (this.readTo[i]! >= 0) entries.push([pid, this.readTo[i]!, this.partitionWatermark[i]!]);
    });
    return entries;
  }

  /** Commits the slots that changed; true when one did. */
  private commit(): boolean {
    const result = this.slots.commit((stage) => this.frontier(stage));
    this.sourcesMoved = false;
    this.lastCommit = Date.now();
    if (!result.any && this.counts.length === 0) return false;
    const counts = this.counts.splice(0);
    const slotCounts: StepCounts = {};
    this.slots.takeCounts(slotCounts);
    counts.push(slotCounts);
    this.report({ kind: 'outputs', chunks: result.outputs, counts: mergeCounts(counts) });
    if (!result.any) return false;
    const { count } = this.task;
    this.task.peers.forEach((port, peer) => {
      if (!port) return;
      const chunks = result.forwards
        .filter((c) => c.slot % count === peer)
        .map(({ stage, slot, chunkId, length, records }) => ({ stage, slot, chunkId, length, records }));
      port.postMessage({ kind: 'committed', chunks, watermarks: result.watermarks } satisfies PeerMessage);
    });
    this.observeCommitted(result.watermarks);
    return true;
  }

  private observeCommitted(watermarks: ReadonlyArray<readonly [number, number, number]>): void {
    for (const [stage, slot, w] of watermarks) if (w > this.committed[stage]![slot]!) this.committed[stage]![slot] = w;
    this.advanceStages();
  }

  /**
   * After the end of input: commits what changed until nothing does (a commit can move a later stage of this
   * executor). Once every slot of the job has committed the sources' last watermark, the end is released (+Infinity);
   * finishes once every slot has committed +Infinity.
   */
  private settleEnd(): void {
    while (this.commit()) {}
    if (!this.everySlotAt(this.sourceWatermark)) return;
    if (this.sourceWatermark !== Infinity) {
      this.release(Infinity, true);
      while (this.commit()) {}
      if (!this.everySlotAt(Infinity)) return;
    }
    this.finish(null);
  }

  /** Whether every slot of every keyed stage, this executor's and the others', has committed `watermark`. */
  private everySlotAt(watermark: number): boolean {
    for (const stage of this.plan.stages) {
      if (stage.entry === null) continue;
      for (const w of this.committed[stage.index]!) if (w < watermark) return false;
    }
    return true;
  }

  private report(m: ExecutorReport): void {
    this.task.coordinator.postMessage(m);
  }

  private finish(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.commitTimer);
    this.task.coordinator.removeAllListeners('message');
    for (const port of this.task.peers) port?.removeAllListeners('message');
    // An error crosses to the coordinator as a plain object: thrown across threads it would lose its code.
    if (err) this.report({ kind: 'failed', error: toPlainError(err, ErrorCodes.INTERNAL) });
    this.report({ kind: 'finished' });
    this.resolve();
  }
}

function mergeCounts(list: readonly StepCounts[]): StepCounts {
  const into: StepCounts = {};
  for (const counts of list) addCounts(into, counts);
  return into;
}
