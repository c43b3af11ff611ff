/** The pool of worker threads that run slot batches (Piscina), with the batch buffers transferred, not cloned. */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { SlotResult, SlotTask } from './messages.js';

export class WorkerPool {
  private readonly piscina: Piscina;

  constructor(readonly threads: number = Math.max(1, availableParallelism() - 1)) {
    this.piscina = new Piscina({
      filename: fileURLToPath(new URL('./slot-worker.js', import.meta.url)),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
    });
  }

  run(task: SlotTask): Promise<SlotResult> {
    return this.piscina.run(task, { transferList: [task.records.buffer as ArrayBuffer] }) as Promise<SlotResult>;
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
