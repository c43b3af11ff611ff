/** The discard sink (type `discard`): acknowledges and drops records; benchmarks use it to measure the job alone. */
import type { SinkConnector, SinkRecord, SinkType } from '../connector.js';

class DiscardSink implements SinkConnector {
  readonly destination = 'discard';
  delivered = 0;

  constructor(readonly id: string) {}

  async open(): Promise<void> {}

  async write(records: readonly SinkRecord[]): Promise<void> {
    this.delivered += records.length;
  }

  async close(): Promise<void> {}
}

export const discardSinkType: SinkType<Record<string, never>> = {
  type: 'discard',
  optionsSchema: { type: 'object', properties: {}, additionalProperties: false },
  create: (_options, ctx) => new DiscardSink(ctx.stepId),
};
