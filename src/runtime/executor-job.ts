/**
 * Runs a planned job on the executor runtime (docs/runtime.md, "Executors"): the main thread only coordinates. It
 * opens state, sinks and sources, starts one executor per worker thread (a long-lived Piscina task each, with a port
 * to every other executor), hands out rounds of source ranges (two at most in flight, which bounds what is queued),
 * delivers what executors committed and stage 0's outputs, writes stage 0's frontier once those are acknowledged, and
 * ends the job when every source is read and every executor has committed the end of input, or when it is stopped.
 * Records never pass through it. Sources must be readable from any thread (generator, Nexmark).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Millis } from '../api/types.js';
import { sinkRecord, type SinkConnector, type SourceConnector } from '../connectors/connector.js';
import type { StepSpec } from '../graph/model.js';
import { planGraph, type Plan } from '../graph/planner.js';
import { closeState, openState, type StateDatabases } from '../state/backend.js';
import { storedOutputs } from '../state/outbox-chunks.js';
import { DEFAULT_STATE_CACHE_BYTES } from '../state/state-cache-budget.js';
import { lockStateDir, type StateDirLock } from '../state/state-dir-lock.js';
import { storageFailure } from '../state/storage-errors.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { unpackList } from './batch-codec.js';
import type { RetryHooks } from './connect-retry.js';
import type { CoordinatorMessage, ExecutorPartition, ExecutorReport, ExecutorTask, RoundRange } from './executor-messages.js';
import type { FrontierEntry, OutputTuple, WarmUpTask } from './messages.js';
import { JobMetrics } from './metrics.js';
import { openSinks, openSources } from './open-connectors.js';
import { RecentDeadLetters } from './recent-dead-letters.js';
import { checkStateLayout, resumePoints, startOffsets } from './recovery.js';
import type { RunOptions, RunSummary } from './run-options.js';
import { SinkDelivery } from './sink-delivery.js';
import { LoopWaker } from './loop-waker.js';
import type { IntakeSource } from './source-intake.js';
import { Stage0Outputs } from './stage0-outputs.js';

/** Records per partition in a round: large enough that a round's exchange costs little beside its work. */
const ROUND_RECORDS_PER_PARTITION = 4_096;
/** Rounds handed out and not yet applied by every executor. */
const ROUNDS_IN_FLIGHT = 4;

interface Source {
  step: StepSpec;
  connector: SourceConnector;
  /** Partition index of each of its partitions. */
  pidIndex: Map<number, number>;
}

export class ExecutorJob {
  readonly plan: Plan;
  readonly metrics: JobMetrics;
  readonly recentDeadLetters = new RecentDeadLetters();
  private dbs!: StateDatabases;
  private stateLock: StateDirLock | null = null;
  private delivery!: SinkDelivery;
  private stage0Outputs!: Stage0Outputs;
  private readonly sinks = new Map<string, SinkConnector>();
  private sources: Source[] = [];
  private partitions: ExecutorPartition[] = [];
  private readonly pools: Piscina[] = [];
  private readonly ports: MessagePort[] = [];
  private running: Array<Promise<void>> = [];
  /** Executors whose last report has arrived; `allFinished` resolves when every one's has. */
  private finishedExecutors = 0;
  private markAllFinished!: () => void;
  private readonly allFinished = new Promise<void>((resolve) => (this.markAllFinished = resolve));
  /** Per round handed out: how many executors reported it, and the partition watermarks they reported. */
  private readonly rounds = new Map<number, { ranges: RoundRange[]; reported: number; watermarks: Map<number, number> }>();
  private roundsIssued = 0;
  private roundsDone = 0;
  /** Stage 0's frontier: per partition, the last offset of a round every executor has applied, and its watermark. */
  private readonly stage0Frontier = new Map<string, [number, number]>();
  private recordsRead = 0;
  private failure: FlywheelError | null = null;
  private stopping = false;
  private readonly waker = new LoopWaker();
  private markStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));
  private readonly executors: number;
  private readonly commitInterval: Millis;
  private readonly stopTimeout: Millis;
  private undelivered = 0;

  constructor(private readonly options: RunOptions) {
    this.plan = planGraph(options.graph, options.slots);
    this.metrics = new JobMetrics(options.graph.name);
    this.executors = Math.max(1, options.workers);
    this.commitInterval = options.commitInterval ?? 100;
    this.stopTimeout = options.stopTimeout ?? 10_000;
    options.signal?.addEventListener('abort', () => this.stop());
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
    try {
      await this.open();
      await this.loop();
    } catch (err) {
      this.fail(err);
    } finally {
      await this.close().catch((err: unknown) => this.fail(err));
    }
    if (this.failure) throw this.failure;
    return { recordsRead: this.recordsRead, batches: this.roundsDone, watermark: Infinity, undelivered: this.undelivered };
  }

  private async open(): Promise<void> {
    const { graph } = this.plan;
    this.stateLock = await lockStateDir(this.options.stateDir);
    this.dbs = openState(this.options.stateDir);
    checkStateLayout(this.dbs, this.plan, this.options.stateDir);
    const baseDir = this.options.baseDir ?? process.cwd();
    const hooks = (): RetryHooks => ({ waiting: () => {}, stopped: this.stopped });
    for (const [id, sink] of await openSinks(graph, baseDir, hooks, this.recentDeadLetters)) this.sinks.set(id, sink);
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
    const resumeAt = resumePoints(this.dbs, this.plan);
    for (const { step, connector } of await openSources(graph, baseDir, startOffsets(this.dbs, this.plan), hooks)) {
      if (!connector.claim || !connector.openPartition) {
        throw new FlywheelError(
          ErrorCodes.CONFIG_INVALID,
          `source ${step.id} (${connector.origin}) cannot be read by executors: each executor reads its partitions itself`,
          { stepId: step.id },
          'run this job with the slot runtime, or read a source any thread can read (generator, nexmark)',
        );
      }
      const pidIndex = new Map<number, number>();
      for (const partition of connector.partitions()) {
        const resume = resumeAt.get(`${step.id}:${partition}`);
        pidIndex.set(partition, this.partitions.length);
        this.partitions.push({ source: step.id, partition, next: resume?.next ?? 0, watermark: resume?.watermark ?? -Infinity });
      }
      this.sources.push({ step, connector, pidIndex });
    }
    for (const stored of storedOutputs(this.dbs.outbox)) void this.delivery.deliverStored(stored);
    await this.startExecutors(baseDir);
  }

  /** One thread per executor, started one after another (each loads LMDB's native addon), then one task each. */
  private async startExecutors(baseDir: string): Promise<void> {
    const filename = fileURLToPath(new URL('./slot-worker.js', import.meta.url));
    const count = this.executors;
    const peers: Array<Array<MessagePort | null>> = Array.from({ length: count }, () => Array<MessagePort | null>(count).fill(null));
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const { port1, port2 } = new MessageChannel();
        peers[a]![b] = port1;
        peers[b]![a] = port2;
      }
    }
    for (let i = 0; i < count; i++) {
      // No Atomics.wait between tasks: an executor's task lives as long as the job and runs on port messages.
      const pool = new Piscina({ filename, minThreads: 1, maxThreads: 1, idleTimeout: 60_000, concurrentTasksPerWorker: 1, atomics: 'disabled' });
      const warmUp: WarmUpTask = {
        warmUp: true,
        niceness: this.options.workerNiceness ?? 0,
        stateCacheBytes: this.options.stateCacheBytes ?? DEFAULT_STATE_CACHE_BYTES,
      };
      await pool.run(warmUp);
      this.pools.push(pool);
    }
    this.running = this.pools.map((pool, index) => {
      const { port1, port2 } = new MessageChannel();
      this.ports.push(port1);
      port1.on('message', (m: ExecutorReport) => this.onReport(m));
      const task: ExecutorTask = {
        executor: true,
        job: this.options.job,
        graphHash: this.plan.graph.hash,
        slots: this.plan.slots,
        stateDir: this.options.stateDir,
        baseDir,
        index,
        count,
        partitions: this.partitions,
        commitInterval: this.commitInterval,
        coordinator: port2,
        peers: peers[index]!,
      };
      const transferList = [port2, ...peers[index]!.filter((p): p is MessagePort => p !== null)];
      const running = pool.run(task, { transferList }) as Promise<void>;
      running.catch((err: unknown) => this.fail(err));
      return running;
    });
  }

  private onReport(m: ExecutorReport): void {
    try {
      if (m.kind === 'failed') {
        this.fail(FlywheelError.fromPlain(m.error));
        return;
      }
      if (m.kind === 'finished') {
        if (++this.finishedExecutors === this.executors) this.markAllFinished();
        return;
      }
      if (m.kind === 'outputs') {
        this.metrics.addCounts(m.counts);
        for (const chunk of m.chunks) void this.delivery.deliverStored({ keys: [chunk.key], outputs: unpackList<OutputTuple>(chunk.outputs) });
        return;
      }
      const round = this.rounds.get(m.round)!;
      for (const [pid, watermark] of m.watermarks) round.watermarks.set(pid, watermark);
      for (const [pid, [offset, reason, raw, value, bound]] of m.unreadable) {
        const p = this.partitions[pid]!;
        const source = this.sources.find((s) => s.step.id === p.source)!;
        this.stage0Outputs.deadLetter(
          source as unknown as IntakeSource,
          { partition: p.partition, offset, key: null, value, ...(raw === null ? {} : { raw }) },
          reason,
          bound ?? undefined,
        );
      }
      for (const [sink, id, key, value, timestamp, headers] of unpackList<OutputTuple>(m.outputs))
        this.stage0Outputs.add(sink, sinkRecord(id, key, value, timestamp, headers));
      if (++round.reported === this.executors) this.roundApplied(m.round);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Rounds finish in order (each executor reports them in order): stage 0's frontier moves past this one. */
  private roundApplied(n: number): void {
    const round = this.rounds.get(n)!;
    this.rounds.delete(n);
    this.roundsDone++;
    for (const [pid, from, count] of round.ranges) {
      const p = this.partitions[pid]!;
      this.stage0Frontier.set(`${p.source}:${p.partition}`, [from + count - 1, round.watermarks.get(pid) ?? -Infinity]);
    }
    const frontier: FrontierEntry[] = [...this.stage0Frontier].map(([pid, [offset, watermark]]) => [pid, offset, watermark]);
    this.stage0Outputs.commit(frontier);
    this.waker.wake();
  }

  private async loop(): Promise<void> {
    while (!this.failure && !this.stopping) {
      if (this.roundsIssued - this.roundsDone >= ROUNDS_IN_FLIGHT) {
        await this.waker.sleep(50);
        continue;
      }
      const ranges = this.claimRound();
      if (ranges.length > 0) {
        this.issue({ kind: 'round', round: this.roundsIssued, ranges });
        this.rounds.set(this.roundsIssued++, { ranges, reported: 0, watermarks: new Map() });
        continue;
      }
      if (this.sources.every((s) => s.connector.finished())) break;
      // A paced source has nothing to hand out yet.
      await this.waker.sleep(5);
    }
    if (this.failure) return;
    if (this.stopping) this.issue({ kind: 'stop' });
    else this.issue({ kind: 'end', rounds: this.roundsIssued });
    await Promise.all(this.running);
    await this.allFinished;
    this.stage0Outputs.commit(
      [...this.stage0Frontier].map(([pid, [offset, watermark]]) => [pid, offset, watermark]),
      true,
    );
    await this.outputsDelivered();
  }

  private claimRound(): RoundRange[] {
    const ranges: RoundRange[] = [];
    for (const s of this.sources) {
      const max = ROUND_RECORDS_PER_PARTITION * s.pidIndex.size;
      for (const { partition, from, count } of s.connector.claim!(max, new Set())) {
        ranges.push([s.pidIndex.get(partition)!, from, count]);
        this.recordsRead += count;
      }
    }
    return ranges;
  }

  private issue(m: CoordinatorMessage): void {
    for (const port of this.ports) port.postMessage(m);
  }

  /** Waits until every output is acknowledged; once stopping, for at most `stopTimeout`. */
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

  private fail(err: unknown): void {
    if (!this.failure) {
      this.failure =
        storageFailure(err, this.options.stateDir) ??
        (err instanceof FlywheelError ? err : new FlywheelError(ErrorCodes.INTERNAL, (err as Error)?.message ?? String(err), {}, undefined, err));
      this.issue({ kind: 'stop' });
    }
    this.waker.wake();
  }

  private async close(): Promise<void> {
    this.delivery?.stop();
    await Promise.allSettled(this.running);
    for (const port of this.ports) port.close();
    await Promise.all(this.pools.map((p) => p.destroy()));
    for (const s of this.sources) await s.connector.close();
    for (const sink of this.sinks.values()) await sink.close();
    if (this.dbs) await closeState(this.options.stateDir);
    this.stateLock?.release();
  }
}
