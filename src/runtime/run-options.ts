/**
 * What a job run takes (the runner's options) and what it reports: the progress snapshot of the status line and
 * /metrics, and the summary of a finished run.
 */
import type { Millis } from '../api/types.js';
import type { JobGraph } from '../graph/model.js';
import type { IntakePlacement } from '../graph/runtime-settings.js';
import type { RetryWait } from './connect-retry.js';
import type { JobRef } from './messages.js';
import type { SlotPlacement } from './worker-pool.js';

export interface RunOptions {
  job: JobRef;
  graph: JobGraph;
  stateDir: string;
  workers: number;
  slots?: number;
  /** Slot placement on worker threads (see worker-pool.ts); default `any`. */
  placement?: SlotPlacement;
  /**
   * Where sources are read and stage 0 runs: `main` (default) on the main thread; `workers`: a source that any
   * thread can read by itself (a generator) is read in ranges by the worker threads (worker-intake.ts).
   */
  intake?: IntakePlacement;
  /** Scheduling niceness of the worker threads (0-19, Linux; default 0): above 0 they yield to other threads when cores are busy. */
  workerNiceness?: number;
  /** Largest batch a slot is sent, and the longest a record waits for more to join it (ms). */
  batch?: { maxRecords?: number; maxDelay?: Millis };
  /** Directory that connector paths are relative to. */
  baseDir?: string;
  /**
   * Most records read but not yet applied (backpressure): at this many, sources are paused (a Kafka source stops
   * fetching) and not polled until half of them have been applied.
   */
  maxQueued?: number;
  /** How often each idle slot commits the source frontier (ms). */
  frontierInterval?: Millis;
  /**
   * Longest a pinned slot applies batches before it commits them (ms; default 100; 0 commits every batch): a key
   * changed by several batches in between is written once; the outputs leave, and the query endpoint sees the
   * changes, after the commit. A slot any thread may run (placement `any`) commits every batch.
   */
  commitInterval?: Millis;
  /**
   * Per worker thread: estimated bytes of state that pinned slots keep in memory between batches (default 256 MiB;
   * state-cache-budget.ts). Past it, the least recently used state not changed since the last commit is evicted.
   */
  stateCacheBytes?: number;
  signal?: AbortSignal;
  /**
   * On stop, how long outputs already made may take to be acknowledged by their sinks (ms; default 10 s). What is
   * still unacknowledged then is not lost: outputs of keyed steps stay in the outbox and stage 0's source records are
   * read again, and both are delivered after the next start.
   */
  stopTimeout?: Millis;
  /** Called every `statusInterval` ms (default 5 s) with a progress snapshot. */
  onStatus?: (status: RunStatus) => void;
  statusInterval?: Millis;
  /** Called when opening a source or sink failed and is retried (its destination unreachable). */
  onRetry?: (stepId: string, wait: RetryWait) => void;
}

export interface RunStatus {
  recordsRead: number;
  recordsPerSecond: number;
  /** Records the keyed stages applied (a record applied by two stages counts twice); stage 0 applies what it reads. */
  recordsApplied: number;
  appliedPerSecond: number;
  watermark: Millis;
  /** Wall clock minus watermark, when every source's event time follows the clock (a live topic); else null. */
  clockLag: Millis | null;
  /** Records waiting in the sources (consumer lag) where they can tell, else null. */
  sourceLag: number | null;
  queued: number;
  /** The most records that were ever queued at once (above `maxQueued` by about one batch at most: docs/runtime.md, Memory). */
  peakQueued: number;
  /** Times the sources were paused because the job was full. */
  pauses: number;
  outboxPending: number;
  batches: number;
  /** Why the job is not ready (starting, a broker unreachable, ...); empty when ready. */
  notReady: string[];
}

export interface RunSummary {
  recordsRead: number;
  batches: number;
  watermark: Millis;
  /** Outputs not acknowledged by their sinks when a stop's `stopTimeout` ran out (delivered after the next start). */
  undelivered: number;
}
