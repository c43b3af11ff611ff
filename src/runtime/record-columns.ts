/**
 * A slot's queued records, column by column, and their packed form for a batch. The main thread touches every
 * record here, so nothing is allocated per record: numbers go to number columns and, when packed, into one
 * Float64Array copied as bytes; keys and values are packed as lists (objects of one shape as msgpackr records). A
 * record read from a source carries no id: its id is `source/partition/offset`, which the worker rebuilds from the
 * partition and offset (see record-id.ts); only records whose id differs (forwarded or derived) carry one. Records
 * an earlier stage forwarded are packed here by the worker that produced them, one run per forward chunk
 * (forward-chunks.ts), which names its chunk so the consuming worker can mark it applied.
 */
import { packList, unpackList } from './batch-codec.js';

/**
 * A forward chunk's name: producing stage and slot, the producer's sequence number, target slot. Defined with the
 * packed form that carries it, so the state's forward table (which stores packed runs) depends on this format and
 * not the other way round.
 */
export type ChunkId = [producerStage: number, producerSlot: number, seq: number, targetSlot: number];

/** Number columns in the packed Float64Array, in this order, each `length` long. */
const NUMBER_COLUMNS = 5;

export class RecordColumns {
  /** Source partition index (into SlotTask.partitionIds), or -1 for a record forwarded by an earlier stage. */
  pidIndex: number[] = [];
  offset: number[] = [];
  timestamp: number[] = [];
  /** The watermark when the record was read. */
  watermark: number[] = [];
  keyGroup: number[] = [];
  key: string[] = [];
  /** null: the record's id is its source position's. */
  id: Array<string | null> = [];
  value: unknown[] = [];

  get length(): number {
    return this.value.length;
  }

  push(pidIndex: number, offset: number, timestamp: number, watermark: number, key: string, keyGroup: number, id: string | null, value: unknown): void {
    this.pidIndex.push(pidIndex);
    this.offset.push(offset);
    this.timestamp.push(timestamp);
    this.watermark.push(watermark);
    this.keyGroup.push(keyGroup);
    this.key.push(key);
    this.id.push(id);
    this.value.push(value);
  }

  /** Removes and returns the first `count` records. */
  takeFirst(count: number): RecordColumns {
    const head = new RecordColumns();
    head.pidIndex = this.pidIndex.splice(0, count);
    head.offset = this.offset.splice(0, count);
    head.timestamp = this.timestamp.splice(0, count);
    head.watermark = this.watermark.splice(0, count);
    head.keyGroup = this.keyGroup.splice(0, count);
    head.key = this.key.splice(0, count);
    head.id = this.id.splice(0, count);
    head.value = this.value.splice(0, count);
    return head;
  }
}

/** One standalone buffer holding the records, for transfer to a worker; `chunk` names the forward chunk they are. */
export function packColumns(c: RecordColumns, chunk: ChunkId | null = null): Uint8Array {
  const n = c.length;
  const numbers = new Float64Array(NUMBER_COLUMNS * n);
  const columns = [c.pidIndex, c.offset, c.timestamp, c.watermark, c.keyGroup];
  for (let col = 0; col < NUMBER_COLUMNS; col++) {
    const source = columns[col]!;
    const base = col * n;
    for (let i = 0; i < n; i++) numbers[base + i] = source[i]!;
  }
  return packList([n, new Uint8Array(numbers.buffer), c.key, c.id, c.value, chunk]);
}

/** The records of a packed batch, column by column (number columns are views into one fresh Float64Array). */
export interface UnpackedColumns {
  length: number;
  pidIndex: Float64Array;
  offset: Float64Array;
  timestamp: Float64Array;
  watermark: Float64Array;
  keyGroup: Float64Array;
  key: string[];
  id: Array<string | null>;
  value: unknown[];
  /** The forward chunk these records are, or null. */
  chunk: ChunkId | null;
}

export function unpackColumns(bytes: Uint8Array): UnpackedColumns {
  const [n, numberBytes, key, id, value, chunk] = unpackList<unknown>(bytes) as [number, Uint8Array, string[], Array<string | null>, unknown[], ChunkId | null];
  // A copy (also of a Buffer, whose slice() would be a view): the bytes sit at any offset inside the batch buffer,
  // and a Float64Array must start 8-byte aligned.
  const numbers = new Float64Array(new Uint8Array(numberBytes).buffer);
  const column = (i: number) => numbers.subarray(i * n, (i + 1) * n);
  return { length: n, pidIndex: column(0), offset: column(1), timestamp: column(2), watermark: column(3), keyGroup: column(4), key, id, value, chunk };
}
