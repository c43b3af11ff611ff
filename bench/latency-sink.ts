/**
 * A sink for paced benchmark runs, where event time follows the wall clock: for each delivered record it records
 * how long after the earliest moment it could exist it was delivered, `now - (timestamp + readyAfter)`, where
 * `readyAfter` is the watermark delay for windowed results (a window can only fire once the watermark passes it)
 * and 0 for one-to-one results. Latencies go to a t-digest shared by name with the benchmark.
 */
import { TDigest } from 'tdigest';
import type { SinkConnector, SinkRecord, SinkType } from '../src/connectors/connector.js';

const digests = new Map<string, { digest: TDigest; count: number }>();

export function latencyDigest(name: string): { digest: TDigest; count: number } {
  let d = digests.get(name);
  if (!d) digests.set(name, (d = { digest: new TDigest(), count: 0 }));
  return d;
}

class LatencySink implements SinkConnector {
  readonly destination: string;

  constructor(
    readonly id: string,
    private readonly name: string,
    private readonly readyAfter: number,
  ) {
    this.destination = `latency:${name}`;
  }

  async open(): Promise<void> {}

  async write(records: readonly SinkRecord[]): Promise<void> {
    const now = Date.now();
    const d = latencyDigest(this.name);
    for (const r of records) d.digest.push(Math.max(0, now - (r.timestamp + this.readyAfter)));
    d.count += records.length;
  }

  async close(): Promise<void> {}
}

export const latencySinkType: SinkType<{ name: string; readyAfter: number }> = {
  type: 'latency',
  optionsSchema: { type: 'object', properties: { name: { type: 'string' }, readyAfter: { type: 'number', default: 0 } }, required: ['name'], additionalProperties: false },
  create: (options, ctx) => new LatencySink(ctx.stepId, options.name, options.readyAfter ?? 0),
};
