/**
 * Records a slot batch forwards to a later keyed stage, in the forward table: one chunk per (batch, target slot),
 * its records in emission order and packed once, as the run the consuming slot's batch takes whole
 * (record-columns.ts): the same bytes are stored, sent to the main thread, queued in the target slot's mailbox and
 * unpacked only by the worker that applies them. That worker's batch deletes the chunk in its own transaction, so a
 * restart routes again exactly the chunks not applied. A chunk is named by its producing slot and a sequence number
 * that grows with each batch of that slot, so the table lists a producer's chunks in the order it made them, which
 * is the order a restart routes them in (per key, records stay in order across stages, as in the live run).
 */
import type { Database } from 'lmdb';
import { packColumns, RecordColumns, type ChunkId } from '../runtime/record-columns.js';

export interface ForwardRecord {
  stage: number;
  /** The slot of the next stage that the record's key group belongs to. */
  slot: number;
  id: string;
  key: string;
  kg: number;
  value: unknown;
  timestamp: number;
}

export interface ForwardChunk {
  stage: number;
  slot: number;
  chunkId: ChunkId;
  length: number;
  /** The records, packed (record-columns.ts; source position -1, watermark stamp -Infinity). */
  records: Uint8Array;
}

/** What the forward table holds under [stage, ...chunk id]: record count, packed records. */
export type StoredForwardChunk = [number, Uint8Array];

/**
 * A batch's forwards as chunks, one per (stage, target slot), in emission order, named after the producing slot.
 * Its sequence number is one past the newest chunk of the producer still stored, read inside the batch's write
 * transaction, so it sees every committed chunk whichever thread ran the producer's last batch: a reused number
 * would overwrite a chunk not yet applied.
 */
export function chunkForwards(forwards: readonly ForwardRecord[], forward: Database, producerStage: number, producerSlot: number): ForwardChunk[] {
  const byTarget = new Map<string, { stage: number; slot: number; columns: RecordColumns }>();
  for (const f of forwards) {
    const target = `${f.stage}/${f.slot}`;
    let chunk = byTarget.get(target);
    if (!chunk) byTarget.set(target, (chunk = { stage: f.stage, slot: f.slot, columns: new RecordColumns() }));
    // The watermark stamp is the main thread's to give when the chunk arrives (SlotTask.stamps).
    chunk.columns.push(-1, -1, f.timestamp, -Infinity, f.key, f.kg, f.id, f.value);
  }
  const seqs = new Map<number, number>();
  return [...byTarget.values()].map(({ stage, slot, columns }) => {
    let seq = seqs.get(stage);
    if (seq === undefined) seqs.set(stage, (seq = nextSeq(forward, stage, producerStage, producerSlot)));
    const chunkId: ChunkId = [producerStage, producerSlot, seq, slot];
    return { stage, slot, chunkId, length: columns.length, records: packColumns(columns, chunkId) };
  });
}

/** One past the sequence number of the producer's newest chunk stored for `stage`; 0 when none is. */
function nextSeq(forward: Database, stage: number, producerStage: number, producerSlot: number): number {
  for (const key of forward.getKeys({ start: [stage, producerStage, producerSlot + 1], end: [stage, producerStage, producerSlot], reverse: true, limit: 1 })) {
    return (key as [number, ...ChunkId])[3] + 1;
  }
  return 0;
}

/** The chunks a consuming batch applied (always whole: a mailbox never splits a packed run). */
export class ForwardConsumption {
  private readonly chunks: Array<[number, ...ChunkId]> = [];

  add(stage: number, chunkId: ChunkId): void {
    this.chunks.push([stage, ...chunkId]);
  }

  clear(): void {
    this.chunks.length = 0;
  }

  /** Inside the batch's write transaction: deletes the applied chunks. */
  write(forward: Database): void {
    for (const key of this.chunks) {
      if (!forward.removeSync(key)) {
        const [stage, producerStage, producerSlot, seq, slot] = key;
        throw new Error(
          `forward chunk ${seq} of stage ${producerStage} slot ${producerSlot} to stage ${stage} slot ${slot} is not in the state: it was applied twice or the state was changed outside the job`,
        );
      }
    }
  }
}
