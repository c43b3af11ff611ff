/**
 * The run settings a benchmark's job is launched with: those `flywheel run` fills in by default (16 slots, the
 * default batch and worker niceness), no status line and no log, so that what is measured is the job alone.
 */
import { tmpdir } from 'node:os';
import { DEFAULT_WORKER_NICENESS } from '../src/graph/topology-schema.js';
import type { SlotPlacement } from '../src/runtime/worker-pool.js';

export function benchRunSettings(workers: number, placement: SlotPlacement = 'any') {
  return {
    workers,
    slots: 16,
    placement,
    workerNiceness: DEFAULT_WORKER_NICENESS,
    batch: { maxRecords: 8192, maxDelay: 5 },
    statusInterval: 3_600_000,
    stopTimeout: 10_000,
    baseDir: tmpdir(),
    log: () => {},
  };
}
