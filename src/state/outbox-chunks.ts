/**
 * The outbox as chunks: the outputs one commit of a slot made, for every sink, packed once as one list and stored
 * under [stage, slot, seq] in the commit's transaction. The same bytes go to the main thread, which delivers them and
 * deletes the chunk once every sink it names has acknowledged its part. One LMDB write per commit instead of one per
 * output: a put costs microseconds, so a job that emits about one output per event (a feature store) spent an eighth
 * of its CPU writing outbox entries one by one. A chunk's sequence number is one past the slot's newest chunk still
 * stored, read inside the write transaction (as forward chunks do), so it never overwrites a chunk not yet
 * acknowledged, whichever thread ran the slot's last commit. Entries of the earlier layout (one per output, under
 * [sink, id]) are still read and deleted the same way.
 */
import type { Database, Key } from 'lmdb';
import { packList, unpackList } from '../runtime/batch-codec.js';
import type { OutboxChunk, OutboxChunkKey, OutputTuple } from './outbox-chunk.js';

/** An LMDB key of the outbox: a chunk's, or an entry's of the earlier layout. */
export type OutboxKey = Key;

/** Inside a commit's write transaction: stores the outputs as the slot's next chunk (none when there are none). */
export function writeOutboxChunk(outbox: Database, stage: number, slot: number, outputs: readonly OutputTuple[]): OutboxChunk | null {
  if (outputs.length === 0) return null;
  const key: OutboxChunkKey = [stage, slot, nextSeq(outbox, stage, slot)];
  const chunk: OutboxChunk = { key, outputs: packList(outputs) };
  outbox.putSync(key, chunk.outputs);
  return chunk;
}

function nextSeq(outbox: Database, stage: number, slot: number): number {
  for (const key of outbox.getKeys({ start: [stage, slot + 1], end: [stage, slot], reverse: true, limit: 1 })) {
    return (key as OutboxChunkKey)[2] + 1;
  }
  return 0;
}

/** Stored outputs not yet acknowledged: the LMDB keys that hold them, and the outputs, in the order they were made. */
export interface StoredOutputs {
  keys: Key[];
  outputs: OutputTuple[];
}

/** Everything the outbox holds: one entry per chunk, and one for all entries of the earlier layout. */
export function storedOutputs(outbox: Database): StoredOutputs[] {
  const found: StoredOutputs[] = [];
  const single: StoredOutputs = { keys: [], outputs: [] };
  for (const { key, value } of outbox.getRange({})) {
    const k = key as Key[];
    if (typeof k[0] === 'number') {
      found.push({ keys: [k as Key], outputs: unpackList<OutputTuple>(value as Uint8Array) });
    } else {
      const [sink, id] = k as [string, string];
      const [rKey, rValue, timestamp, headers] = value as [string | null, unknown, number, Record<string, string> | null];
      single.keys.push(k as Key);
      single.outputs.push([sink, id, rKey, rValue, timestamp, headers]);
    }
  }
  if (single.keys.length > 0) found.push(single);
  return found;
}
