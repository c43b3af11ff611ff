/**
 * A plain baseline run paced like the Flywheel latency runs: event time follows the wall clock from the start, and
 * the loop sleeps (synchronously, with Atomics.wait) until each event's time comes, so the single-threaded baseline
 * sees the events at the same moments a paced source would hand them over. Each output's latency is
 * `now - (timestamp + readyAfter)`, recorded as the latency sink records it.
 */
import { latencyDigest, recordLatency, type Latencies } from '../latency-sink.js';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { baselines } from './baseline.js';
import type { NexmarkEvent } from './model.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function* onTime(events: Iterable<NexmarkEvent>): Generator<NexmarkEvent> {
  for (const e of events) {
    const wait = e.dateTime - Date.now();
    if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
    yield e;
  }
}

export function pacedBaseline(query: string, rate: number, count: number, readyAfter: number): Latencies {
  const latencies = latencyDigest(`baseline-${query}`);
  const events = nexmarkEvents({ count, partitions: 4, rate, eventsPerSecondOfEventTime: rate, startTime: Date.now() }) as Iterable<NexmarkEvent>;
  baselines[query]!(onTime(events), (_value, timestamp) => recordLatency(latencies, Date.now(), timestamp + readyAfter));
  return latencies;
}
