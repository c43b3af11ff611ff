/**
 * Synthetic keyed events for the scaling and main-thread benchmarks: event i carries key `(i * 1000003) % keys`, a
 * fixed permutation that visits every key once per `keys` events in a scattered order (so state access is spread
 * over the whole key space, not sequential). As the `synthetic-keys` source (a sharded source: partition p holds
 * events p, p + P, ...) and as a plain iterator for the baseline.
 */
import type { SourceType } from '../../src/connectors/connector.js';
import { ShardedSource } from '../../src/connectors/generator/sharded-source.js';

export interface SyntheticKeysOptions {
  keys: number;
  count: number;
  partitions: number;
  /** Wall-clock events per second over all partitions; 0: as fast as possible. */
  rate: number;
}

export interface KeyedEvent {
  key: number;
  /** Event time, ms: one event per microsecond of event time. */
  ts: number;
}

const STRIDE = 1_000_003;

const keyOfEvent = (i: number, keys: number): number => (i * STRIDE) % keys;

export function* syntheticKeyedEvents(keys: number, count: number): Generator<KeyedEvent> {
  for (let i = 0; i < count; i++) yield { key: keyOfEvent(i, keys), ts: Math.floor(i / 1000) };
}

export const syntheticKeysSourceType: SourceType<SyntheticKeysOptions> = {
  type: 'synthetic-keys',
  optionsSchema: {
    type: 'object',
    properties: {
      keys: { type: 'integer', minimum: 1 },
      count: { type: 'integer', minimum: 1 },
      partitions: { type: 'integer', minimum: 1, default: 4 },
      rate: { type: 'number', minimum: 0, default: 0 },
    },
    required: ['keys', 'count'],
    additionalProperties: false,
  },
  create(options, ctx) {
    const P = options.partitions;
    return new ShardedSource(ctx.stepId, `synthetic-keys(${options.keys})`, options, (p, offset) => {
      let i = offset * P + p;
      return {
        next: () => {
          const event: KeyedEvent = { key: keyOfEvent(i, options.keys), ts: Math.floor(i / 1000) };
          i += P;
          return event;
        },
      };
    });
  },
};
