/**
 * In-process named channels for tests: a test puts records into a channel that a memory source reads, and reads
 * what a memory sink delivered. Offsets are list positions, so replays from an offset behave like a real log.
 */
import type { SinkRecord } from '../connector.js';

export interface MemoryRecord {
  key: string | null;
  value: unknown;
  timestamp?: number;
}

const inputs = new Map<string, MemoryRecord[][]>();
const outputs = new Map<string, SinkRecord[]>();

/** Sets the records of an input channel, one list per partition. */
export function setMemoryInput(name: string, partitions: MemoryRecord[][]): void {
  inputs.set(name, partitions);
}

export function memoryInput(name: string): MemoryRecord[][] | undefined {
  return inputs.get(name);
}

export function memoryOutput(name: string): SinkRecord[] {
  let list = outputs.get(name);
  if (!list) {
    list = [];
    outputs.set(name, list);
  }
  return list;
}

export function clearMemoryChannels(): void {
  inputs.clear();
  outputs.clear();
}
