/**
 * What one outbox chunk holds: the outputs one commit of a slot made, for every sink, packed once. Only plain types,
 * so the messages that carry a chunk between threads (and the package's declarations) need no LMDB types; the
 * chunks' storage is outbox-chunks.ts.
 */

/** What a commit's outputs carry per record: sink, id, key, value, event time, headers. */
export type OutputTuple = [string, string, string | null, unknown, number, Record<string, string> | null];

export type OutboxChunkKey = [stage: number, slot: number, seq: number];

export interface OutboxChunk {
  key: OutboxChunkKey;
  /** OutputTuple list, packed (runtime/batch-codec.ts). */
  outputs: Uint8Array;
}
