/** The memory sink (type `memory`): appends delivered records to a named in-process list; for tests. */
import type { SinkConnector, SinkRecord, SinkType } from '../connector.js';
import { memoryOutput } from './memory-channels.js';

class MemorySink implements SinkConnector {
  readonly destination: string;

  constructor(
    readonly id: string,
    private readonly name: string,
  ) {
    this.destination = `memory:${name}`;
  }

  async open(): Promise<void> {}

  async write(records: readonly SinkRecord[]): Promise<void> {
    memoryOutput(this.name).push(...records);
  }

  async close(): Promise<void> {}
}

export const memorySinkType: SinkType<{ name: string }> = {
  type: 'memory',
  optionsSchema: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'], additionalProperties: false },
  create: (options, ctx) => new MemorySink(ctx.stepId, options.name),
};
