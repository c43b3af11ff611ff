/** Window firing shared by the plain baselines: windows keyed by their end fire in end order once the watermark passes end - 1. */

export type Emit = (value: unknown, timestamp: number) => void;

export function fireDue<W>(windows: Map<number, W>, watermark: number, fire: (end: number, w: W) => void): void {
  const due = [...windows.keys()].filter((end) => end - 1 <= watermark).sort((a, b) => a - b);
  for (const end of due) {
    fire(end, windows.get(end)!);
    windows.delete(end);
  }
}

/** End of the tumbling window of `size` ms that holds `ts`. */
export const tumblingEnd = (ts: number, size: number): number => ts - (((ts % size) + size) % size) + size;
