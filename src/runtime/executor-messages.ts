/**
 * What crosses between the coordinator (main thread) and the executors, and between executors, in the executor
 * runtime (docs/runtime.md, "Executors"). Only data crosses: records travel as packed column runs
 * (record-columns.ts), outputs as packed lists; ports are MessagePorts handed to each executor when it starts.
 */
import type { MessagePort } from 'node:worker_threads';
import type { PlainError } from '../core/errors.js';
import type { StepCounts } from './step-metrics.js';
import type { JobRef, UnreadableTuple } from './messages.js';
import type { OutboxChunk } from '../state/outbox-chunk.js';
import type { ChunkId } from './record-columns.js';

/** A source partition as every executor numbers it: its index in this list is its partition index. */
export interface ExecutorPartition {
  source: string;
  partition: number;
  /** The offset reading resumes from. */
  next: number;
  /** The partition's watermark where reading resumes (from the frontier it resumes after). */
  watermark: number;
}

export interface ExecutorTask {
  executor: true;
  job: JobRef;
  graphHash: string;
  slots: number;
  stateDir: string;
  baseDir: string;
  /** This executor's number, and how many there are: it owns the slots and partitions whose index % count is it. */
  index: number;
  count: number;
  partitions: ExecutorPartition[];
  commitInterval: number;
  /** To and from the coordinator. */
  coordinator: MessagePort;
  /** To and from each other executor, by its index (null at this executor's own). */
  peers: Array<MessagePort | null>;
}

/** One range of one partition: [partition index, first offset, count]. */
export type RoundRange = [pidIndex: number, from: number, count: number];

/** Coordinator to executor. */
export type CoordinatorMessage =
  /** Read your partitions' ranges of this round, exchange, apply what the watermark allows. */
  | { kind: 'round'; round: number; ranges: RoundRange[] }
  /**
   * Every source is read to its end after `rounds` rounds: once they are applied the watermark goes to +Infinity,
   * everything fires and is committed.
   */
  | { kind: 'end'; rounds: number }
  /** Commit what was applied and finish; records not applied are read again at the next start. */
  | { kind: 'stop' };

/** Executor to coordinator. */
export type ExecutorReport =
  | {
      kind: 'round-done';
      round: number;
      /** Stage 0's outputs of the executor's ranges (OutputTuple list, packed), and its unreadable records. */
      outputs: Uint8Array;
      unreadable: Array<[pidIndex: number, record: UnreadableTuple]>;
      /** Each range's partition watermark after it: [partition index, watermark]. */
      watermarks: Array<[number, number]>;
      counts: StepCounts;
    }
  /** A commit's outputs, in the outbox until their sinks acknowledge them. */
  | { kind: 'outputs'; chunks: OutboxChunk[]; counts: StepCounts }
  | { kind: 'failed'; error: PlainError }
  /** The executor's last message: everything it reported before has arrived. */
  | { kind: 'finished' };

/** Executor to executor. */
export type PeerMessage =
  /**
   * The records of a round that left the sender's stage 0 for slots the receiver owns, one packed run per stage
   * (every partition's records in offset order), each record stamped with its partition's watermark just before it; and the watermark of each of
   * the sender's partitions after the round.
   */
  | { kind: 'records'; round: number; runs: Array<[stage: number, records: Uint8Array]>; watermarks: Array<[number, number]> }
  /**
   * After a commit: the forward chunks it stored for the receiver's slots, then the watermark each of the sender's
   * slots committed ([stage, slot, watermark]); chunks come first, so a watermark never passes records still to come.
   */
  | {
      kind: 'committed';
      chunks: Array<{ stage: number; slot: number; chunkId: ChunkId; length: number; records: Uint8Array }>;
      watermarks: Array<[number, number, number]>;
    };
