/**
 * The job the async-step benchmark runs: generated shop events -> keyBy user -> an async step calling the latency
 * server over HTTP (the built-in client, `capacity` calls in flight) -> discarded. Worker threads rebuild it from
 * FLYWHEEL_ASYNC_BENCH (events, url, capacity as JSON), which they inherit from the main thread.
 */
import { discardSink, generatorSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import type { JobGraph } from '../../src/graph/model.js';

export const BENCH_ENV = 'FLYWHEEL_ASYNC_BENCH';

export interface AsyncBenchJob {
  events: number;
  url: string;
  capacity: number;
}

export function buildBenchJob(b: AsyncBenchJob): JobGraph {
  return job('async-step-bench', (j) => {
    j.source<{ userId: string; ts: number }>(
      'events',
      generatorSource({ seed: 5, users: 20_000, items: 2_000, partitions: 4, count: b.events, eventsPerSecondOfEventTime: 1_000 }),
      { eventTime: { field: 'ts', idleTimeout: 1_000 } },
    )
      .keyBy('by-user', 'userId')
      .async('call', { http: { url: b.url }, capacity: b.capacity, timeout: 10_000 }, { onError: 'skip' })
      .sink('out', discardSink());
  });
}

const inherited = process.env[BENCH_ENV];
export const benchJob: JobGraph | undefined = inherited ? buildBenchJob(JSON.parse(inherited) as AsyncBenchJob) : undefined;
