/**
 * Records a slot batch forwards to a later keyed stage, in the forward table: one entry per (batch, target slot), a
 * chunk named by its first record's id, records in emission order. The consuming slot applies a chunk's records in
 * order, possibly over several batches; each of its batches rewrites the chunk with what is left, or deletes it, in
 * its own transaction. So a restart routes again exactly what was not applied.
 */
import type { Database } from 'lmdb';

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
  chunkId: string;
  records: ForwardedRecord[];
}

/** id, key, key group, value, event time. */
export type ForwardedRecord = [string, string, number, unknown, number];

/** A batch's forwards as chunks, one per (stage, target slot), in emission order. */
export function chunkForwards(forwards: readonly ForwardRecord[]): ForwardChunk[] {
  const chunks = new Map<string, ForwardChunk>();
  for (const f of forwards) {
    const target = `${f.stage}/${f.slot}`;
    let chunk = chunks.get(target);
    if (!chunk) chunks.set(target, (chunk = { stage: f.stage, chunkId: f.id, records: [] }));
    chunk.records.push([f.id, f.key, f.kg, f.value, f.timestamp]);
  }
  return [...chunks.values()];
}

/** How many leading records of each chunk a consuming batch applied. */
export class ForwardConsumption {
  private readonly counts = new Map<string, { stage: number; chunkId: string; count: number }>();

  add(stage: number, chunkId: string, count: number): void {
    const id = `${stage}\u0000${chunkId}`;
    const seen = this.counts.get(id);
    if (seen) seen.count += count;
    else this.counts.set(id, { stage, chunkId, count });
  }

  clear(): void {
    this.counts.clear();
  }

  /** Inside the batch's write transaction: drops the applied records from their chunks. */
  write(forward: Database): void {
    for (const { stage, chunkId, count } of this.counts.values()) {
      const key = [stage, chunkId];
      const stored = forward.get(key) as ForwardedRecord[] | undefined;
      if (stored === undefined) throw new Error(`forward chunk ${chunkId} of stage ${stage} is not in the state: it was applied twice or the state was changed outside the job`);
      const left = stored.slice(count);
      if (left.length === 0) forward.removeSync(key);
      else forward.putSync(key, left);
    }
  }
}
