/**
 * The worker threads that run slot batches, one single-thread Piscina pool per thread, with batch buffers
 * transferred, not cloned. Threads start one after another (each loads LMDB's native addon, whose registration is not
 * safe to run in several threads at once). Two placements:
 * - `any`: a batch goes to the thread with the fewest batches in flight; a worker keeps nothing between batches that
 *   is not in LMDB;
 * - `pinned`: a slot always runs on the same thread, which may therefore keep the slot's state cached between
 *   batches and only write what changed.
 * Each thread takes at most `depth` batches at once (one running, the next waiting, so a thread never idles for a
 * round trip); the runner holds further batches back in the slot mailboxes, where they grow instead of queueing up
 * as many small tasks: that is what makes batches large under load.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { DEFAULT_STATE_CACHE_BYTES } from '../state/state-cache-budget.js';
import type { IntakeResult, IntakeTask, SlotResult, SlotTask, WarmUpTask } from './messages.js';

export type SlotPlacement = 'any' | 'pinned';

export class WorkerPool {
  private readonly pools: Piscina[] = [];
  private readonly inFlight: number[] = [];

  constructor(
    readonly threads: number = Math.max(1, availableParallelism() - 1),
    readonly placement: SlotPlacement = 'any',
    /** Niceness each thread sets for itself when it starts (0: as the process). */
    readonly niceness = 0,
    /** Each thread's budget for the state pinned slots keep in memory (state-cache-budget.ts). */
    readonly stateCacheBytes = DEFAULT_STATE_CACHE_BYTES,
    readonly depth = 2,
  ) {}

  /** Starts the threads one at a time; each has loaded the slot worker (and LMDB) before the next starts. */
  async start(): Promise<void> {
    const filename = fileURLToPath(new URL('./slot-worker.js', import.meta.url));
    for (let i = 0; i < this.threads; i++) {
      const pool = new Piscina({ filename, minThreads: 1, maxThreads: 1, idleTimeout: 60_000, concurrentTasksPerWorker: 1 });
      await pool.run({ warmUp: true, niceness: this.niceness, stateCacheBytes: this.stateCacheBytes } satisfies WarmUpTask);
      this.pools.push(pool);
      this.inFlight.push(0);
    }
  }

  /** Whether a batch of `slot` would find a thread with room now. */
  hasRoomFor(slot: number): boolean {
    return this.inFlight[this.threadFor(slot)]! < this.depth;
  }

  async run(task: SlotTask): Promise<SlotResult> {
    const index = this.threadFor(task.slot);
    this.inFlight[index]!++;
    try {
      return (await this.pools[index]!.run(task, { transferList: task.records.map((r) => r.buffer as ArrayBuffer) })) as SlotResult;
    } finally {
      this.inFlight[index]!--;
    }
  }

  /**
   * Runs an intake task on the thread its source partition (by index) always uses, so the thread's reader of the
   * partition is where the previous range ended. It takes its turn like a batch, without the depth limit.
   */
  async runIntake(task: IntakeTask): Promise<IntakeResult> {
    const index = task.pidIndex % this.pools.length;
    this.inFlight[index]!++;
    try {
      return (await this.pools[index]!.run(task)) as IntakeResult;
    } finally {
      this.inFlight[index]!--;
    }
  }

  private threadFor(slot: number): number {
    return this.placement === 'pinned' ? slot % this.pools.length : this.leastBusy();
  }

  private leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.inFlight.length; i++) if (this.inFlight[i]! < this.inFlight[best]!) best = i;
    return best;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}
