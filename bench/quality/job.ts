/**
 * The two jobs the expectations benchmark compares, identical but for one step: the in-process generator (with
 * faults) -> parse -> keyBy the one quality key -> either the expectations step with eight expectations or a
 * process step that passes each record on -> discarded. Worker threads rebuild them from FLYWHEEL_QUALITY_BENCH
 * (the events and which job, as JSON), which they inherit from the main thread.
 */
import { discardSink, generatorSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import type { KeyedProcessor } from '../../src/api/types.js';
import type { JobGraph } from '../../src/graph/model.js';
import { parseEvent } from '../../src/jobs/events/parse-event.js';
import { expectations, qualityKey } from '../../src/jobs/quality/processors.js';

export const BENCH_ENV = 'FLYWHEEL_QUALITY_BENCH';

export interface QualityBenchJob {
  events: number;
  checked: boolean;
}

export const EXPECTATIONS = [
  { name: 'price-not-negative', field: 'price', range: { min: 0 }, level: 'mustPass' },
  { name: 'device-known', field: 'device', allowed: ['web', 'ios', 'android'] },
  { name: 'session-present', field: 'sessionId', notNull: true },
  { name: 'session-is-string', field: 'sessionId', type: 'string' },
  { name: 'session-format', field: 'sessionId', pattern: '^s\\d+-\\d+$' },
  { name: 'event-once', unique: { fields: ['sessionId', 'type', 'itemId', 'ts'], within: 60_000 } },
  { name: 'fresh', freshness: { max: 60_000 } },
  { name: 'price-drift', field: 'price', drift: { edges: [10, 25, 50], reference: [0.3, 0.3, 0.2, 0.2], max: 0.1 } },
];

const passOn: KeyedProcessor<unknown, unknown> = { onRecord: (record, ctx) => ctx.emit(record) };

export function buildBenchJob(b: QualityBenchJob): JobGraph {
  const generator = {
    seed: 29,
    users: 20_000,
    items: 2_000,
    partitions: 4,
    count: b.events,
    eventsPerSecondOfEventTime: 500,
    faults: { negativePrice: 0.01, unknownDevice: 0.01, missingSessionId: 0.01, sessionIdAsNumber: 0.01, duplicate: 0.01 },
  };
  return job(`quality-bench-${b.checked ? 'checked' : 'plain'}`, (j) => {
    j.source<{ ts: number }>('events', generatorSource(generator), { eventTime: { field: 'ts', idleTimeout: 1_000 } })
      .map('parse', parseEvent, { onError: 'skip' })
      .keyBy('by-quality', qualityKey)
      .process('quality', b.checked ? expectations({ window: 60_000, expectations: EXPECTATIONS }) : passOn, { onError: 'skip' })
      .sink('out', discardSink());
  });
}

const inherited = process.env[BENCH_ENV];
export const benchJob: JobGraph | undefined = inherited ? buildBenchJob(JSON.parse(inherited) as QualityBenchJob) : undefined;
