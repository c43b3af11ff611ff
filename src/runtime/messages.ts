/**
 * What crosses between the main thread and the workers. Only data crosses: record lists travel as msgpack buffers
 * that are transferred, not cloned; errors travel as plain objects (see errors.ts).
 */
import type { PlainError } from './errors.js';
import type { StepCounts } from './step-metrics.js';

/** How a worker finds the job: a module export (TypeScript job) or a topology file (YAML). */
export type JobRef = { kind: 'module'; url: string; exportName: string } | { kind: 'topology'; file: string };

/** An output on its way to a sink: sink step id, record id, key, value, event time, headers. */
export type OutputTuple = [string, string, string | null, unknown, number, Record<string, string> | null];

/** Records for one slot of a later stage (a forward chunk): stage, chunk id, [id, key, key group, value, event time][]. */
export type ForwardChunkTuple = [number, string, Array<[string, string, number, unknown, number]>];

export interface SlotTask {
  job: JobRef;
  graphHash: string;
  stateDir: string;
  slots: number;
  /** The slot always runs on this thread, so its state cache stays valid between batches. */
  pinned: boolean;
  stage: number;
  slot: number;
  /** The watermark the slot reached with its previous batch. */
  startWatermark: number;
  /** The watermark after the last record of this batch. */
  watermark: number;
  partitionIds: string[];
  /** Per source partition, the last offset routed before this batch was cut: everything of it for this slot is in. */
  frontier: Array<[string, number]>;
  /** The batch's records, packed column by column (record-columns.ts). */
  records: Uint8Array;
}

/** The first task of a thread: it loads the slot worker (and LMDB) and sets the thread's scheduling niceness. */
export interface WarmUpTask {
  warmUp: true;
  niceness: number;
}

export interface SlotResult {
  outputs: Uint8Array;
  forwards: Uint8Array;
  counts: StepCounts;
  skipped: number;
  watermark: number;
  nextTimer: number;
  error?: PlainError;
}
