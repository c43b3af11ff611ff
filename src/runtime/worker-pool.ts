/**
 * The worker threads that run slot batches (Piscina), with batch buffers transferred, not cloned. Two placements:
 * - `any`: one pool; any idle thread runs any slot, and a worker keeps nothing between batches that is not in LMDB;
 * - `pinned`: one single-thread pool per worker; a slot always runs on the same thread, which may therefore keep
 *   the slot's state cached between batches and only write what changed.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { SlotResult, SlotTask } from './messages.js';

export type SlotPlacement = 'any' | 'pinned';

export class WorkerPool {
  private readonly pools: Piscina[];

  constructor(
    readonly threads: number = Math.max(1, availableParallelism() - 1),
    readonly placement: SlotPlacement = 'any',
  ) {
    const filename = fileURLToPath(new URL('./slot-worker.js', import.meta.url));
    const make = (n: number) => new Piscina({ filename, minThreads: n, maxThreads: n, idleTimeout: 60_000, concurrentTasksPerWorker: 1 });
    this.pools = placement === 'pinned' ? Array.from({ length: threads }, () => make(1)) : [make(threads)];
  }

  run(task: SlotTask): Promise<SlotResult> {
    const pool = this.pools[this.placement === 'pinned' ? task.slot % this.pools.length : 0]!;
    return pool.run(task, { transferList: [task.records.buffer as ArrayBuffer] }) as Promise<SlotResult>;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}
