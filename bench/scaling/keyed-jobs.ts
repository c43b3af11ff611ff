/**
 * The jobs of the scaling and main-thread benchmarks, over the `synthetic-keys` source (options from SCALING_SOURCE,
 * which worker threads share):
 * - keyedCount: a count per key in keyed state (one state read and write per event), nothing emitted;
 * - dropAfterKeyBy: keyBy, then a filter in the worker that drops every record: what remains is the main thread
 *   reading, keying and routing, and workers taking batches that do nothing.
 */
import { job } from '../../src/api/job.js';
import { registerSourceType } from '../../src/connectors/registry.js';
import type { KeyedProcessor } from '../../src/api/types.js';
import type { ConnectorSpec } from '../../src/graph/model.js';
import { syntheticKeysSourceType, type KeyedEvent } from './synthetic-keys.js';

// Registered where the jobs are defined, so that worker threads reading the source (worker intake) know it too.
registerSourceType(syntheticKeysSourceType);

const source = (): ConnectorSpec => ({
  type: 'synthetic-keys',
  options: JSON.parse(process.env.SCALING_SOURCE ?? '{"keys":1,"count":1}') as Record<string, unknown>,
});
const discard: ConnectorSpec = { type: 'discard', options: {} };
const eventTime = { eventTime: { field: 'ts' as const } };

export const counter: KeyedProcessor<KeyedEvent, never> = {
  onRecord(_e, ctx) {
    const count = ctx.state<number>('count');
    count.set((count.get() ?? 0) + 1);
  },
};

export const keyedCount = job('scaling-keyed-count', (j) => {
  j.source<KeyedEvent>('events', source(), eventTime).keyBy('by-key', 'key').process('count', counter).sink('out', discard);
});

export const dropAfterKeyBy = job('ceiling-drop-after-keyby', (j) => {
  j.source<KeyedEvent>('events', source(), eventTime)
    .keyBy('by-key', 'key')
    .filter('drop', () => false)
    .sink('out', discard);
});
