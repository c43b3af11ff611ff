/** The memory source (type `memory`): reads a named in-process channel, one list per partition; for tests. */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { ConnectorContext, SourceConnector, SourceOpenOptions, SourceRecord, SourceType } from '../connector.js';
import { memoryInput, type MemoryRecord } from './memory-channels.js';

interface MemorySourceOptions {
  name: string;
}

class MemorySource implements SourceConnector {
  private partitionsData: MemoryRecord[][] = [];
  private next: number[] = [];
  readonly origin: string;

  constructor(
    readonly id: string,
    private readonly options: MemorySourceOptions,
  ) {
    this.origin = `memory:${options.name}`;
  }

  async open(options: SourceOpenOptions): Promise<void> {
    const data = memoryInput(this.options.name);
    if (!data)
      throw new FlywheelError(
        ErrorCodes.SOURCE,
        `memory channel '${this.options.name}' has no input`,
        { stepId: this.id },
        'call setMemoryInput(name, partitions) before running the job',
      );
    this.partitionsData = data;
    this.next = data.map((_, p) => options.startOffsets.get(p) ?? 0);
  }

  partitions(): readonly number[] {
    return this.partitionsData.map((_, p) => p);
  }

  async poll(max: number): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    // Round-robin in small chunks so partitions interleave deterministically.
    for (let progressed = true; progressed && out.length < max; ) {
      progressed = false;
      for (let p = 0; p < this.partitionsData.length && out.length < max; p++) {
        const list = this.partitionsData[p]!;
        for (let n = 0; n < 16 && this.next[p]! < list.length && out.length < max; n++) {
          const offset = this.next[p]!++;
          const r = list[offset]!;
          out.push({ partition: p, offset, key: r.key, value: r.value, timestamp: r.timestamp ?? null });
          progressed = true;
        }
      }
    }
    return out;
  }

  finished(): boolean {
    return this.partitionsData.every((list, p) => this.next[p]! >= list.length);
  }

  async close(): Promise<void> {}
}

export const memorySourceType: SourceType<MemorySourceOptions> = {
  type: 'memory',
  optionsSchema: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'], additionalProperties: false },
  create: (options, ctx: ConnectorContext) => new MemorySource(ctx.stepId, options),
};
