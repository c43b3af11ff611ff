/**
 * A sink for paced benchmark runs, where event time follows the wall clock: for each delivered record it records
 * how long after the earliest moment it could exist it was delivered, `now - (timestamp + readyAfter)`, where
 * `readyAfter` is the watermark delay for windowed results (a window can only fire once the watermark passes it)
 * and 0 for one-to-one results. A result delivered before that moment (released by the end of the input, since a
 * bounded run fires every open window at its end, or computed from an event handed over ahead of the clock) is
 * counted but has no latency. Latencies go to a t-digest shared by name with the benchmark.
 */
import { TDigest } from 'tdigest';
import type { SinkConnector, SinkRecord, SinkType } from '../src/connectors/connector.js';

export interface Latencies {
  digest: TDigest;
  /** Results with a latency (in the digest). */
  count: number;
  /** Results delivered before they were due. */
  releasedEarly: number;
}

const digests = new Map<string, Latencies>();

export function latencyDigest(name: string): Latencies {
  let d = digests.get(name);
  if (!d) digests.set(name, (d = { digest: new TDigest(), count: 0, releasedEarly: 0 }));
  return d;
}

/** Adds one result's latency, or counts it as released early when it came before it was due. */
export function recordLatency(d: Latencies, now: number, due: number): void {
  if (now < due) d.releasedEarly++;
  else {
    d.digest.push(now - due);
    d.count++;
  }
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
    for (const r of records) recordLatency(d, now, r.timestamp + this.readyAfter);
  }

  async close(): Promise<void> {}
}

export const latencySinkType: SinkType<{ name: string; readyAfter: number }> = {
  type: 'latency',
  optionsSchema: {
    type: 'object',
    properties: { name: { type: 'string' }, readyAfter: { type: 'number', default: 0 } },
    required: ['name'],
    additionalProperties: false,
  },
  create: (options, ctx) => new LatencySink(ctx.stepId, options.name, options.readyAfter ?? 0),
};
