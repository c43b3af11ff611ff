/**
 * What crosses between the main thread and the workers. Only data crosses: record lists travel as msgpack buffers
 * that are transferred, not cloned; errors travel as plain objects (see errors.ts).
 */
import type { PlainError } from '../core/errors.js';
import type { StepCounts } from './step-metrics.js';
import type { EventTimeBound } from './event-time-bounds.js';

/** How a worker finds the job: a module export (TypeScript job) or a topology file (YAML). */
export type JobRef = { kind: 'module'; url: string; exportName: string } | { kind: 'topology'; file: string };

/** An output on its way to a sink: sink step id, record id, key, value, event time, headers. */
export type { OutputTuple } from '../state/outbox-chunk.js';
import type { OutboxChunk } from '../state/outbox-chunk.js';

/** Records a batch forwarded to one slot of a later stage (a forward chunk), packed as a run (record-columns.ts). */
export interface ForwardRun {
  stage: number;
  slot: number;
  length: number;
  records: Uint8Array;
}

/**
 * A source partition's frontier: its id, the last offset routed (everything up to it has been handed on), and the
 * partition's watermark as of that offset (where its clock stands when a restart resumes right after it).
 */
export type FrontierEntry = [partitionId: string, offset: number, watermark: number];

export interface SlotTask {
  job: JobRef;
  graphHash: string;
  stateDir: string;
  slots: number;
  /** The slot always runs on this thread, so its state cache stays valid between batches. */
  pinned: boolean;
  /** Commit after this batch (a slot that is not pinned always does). */
  commit: boolean;
  stage: number;
  slot: number;
  /** The watermark the slot reached with its previous batch. */
  startWatermark: number;
  /** The watermark after the last record of this batch. */
  watermark: number;
  partitionIds: string[];
  /** Per source partition, the last offset routed before this batch was cut: everything of it for this slot is in. */
  frontier: FrontierEntry[];
  /** The batch's records: packed runs of records in queue order, each column by column (record-columns.ts). */
  records: Uint8Array[];
  /**
   * Per run, the watermark stamp of all its records when they arrived together (a forward chunk), else -Infinity
   * (each record carries its own).
   */
  stamps: number[];
}

/**
 * A range of one source partition for a worker to read (worker intake): the worker reads the records, runs stage 0
 * on them and sorts what leaves it by destination slot.
 */
export interface IntakeTask {
  intake: true;
  job: JobRef;
  graphHash: string;
  slots: number;
  /** Directory that connector paths are relative to. */
  baseDir: string;
  source: string;
  partition: number;
  /** The partition's index in SlotTask.partitionIds. */
  pidIndex: number;
  from: number;
  count: number;
  /** The job's watermark when the range was claimed; every record of the range is stamped with it. */
  stamp: number;
}

/** The records of an intake range bound for one slot of a stage fed by the sources, packed (record-columns.ts). */
export interface IntakeChunk {
  stage: number;
  slot: number;
  length: number;
  firstOffset: number;
  records: Uint8Array;
}

/**
 * A record of the range that cannot be processed: offset, reason, the raw payload or the decoded value, and the
 * event-time bound it broke (null for any other reason).
 */
export type UnreadableTuple = [number, string, string | null, unknown, EventTimeBound | null];

export interface IntakeResult {
  chunks: IntakeChunk[];
  /** What stage 0 sent straight to sinks, as OutputTuple lists. */
  outputs: Uint8Array;
  unreadable: UnreadableTuple[];
  /** The greatest event time in the range (-Infinity when none had one). */
  maxTimestamp: number;
  counts: StepCounts;
  error?: PlainError;
}

/** The first task of a thread: it loads the slot worker (and LMDB) and sets the thread's scheduling niceness. */
export interface WarmUpTask {
  warmUp: true;
  niceness: number;
  stateCacheBytes: number;
}

export interface SlotResult {
  /**
   * Outputs (and forwards) of every batch since the slot's last commit, as the outbox chunk the commit stored;
   * null when this batch did not commit or there were none.
   */
  outputs: OutboxChunk | null;
  forwards: ForwardRun[];
  /** Whether this batch committed what the slot applied since its previous commit. */
  committed: boolean;
  counts: StepCounts;
  skipped: number;
  watermark: number;
  nextTimer: number;
  error?: PlainError;
}
